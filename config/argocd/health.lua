-- Argo CD health for Weft resources (VirtualService, AuthorizationPolicy,
-- TrafficSplit, RequestAuthentication): read the operator's conditions. Ready is the summary;
-- observedGeneration says whether it describes the current spec.
local hs = {}
if obj.status == nil or obj.status.conditions == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Weft operator to report status"
  return hs
end
local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the Weft operator to observe generation " .. tostring(generation)
  return hs
end
local ready = nil
for _, c in ipairs(obj.status.conditions) do
  if c.type == "Ready" then
    ready = c
  end
end
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Ready condition"
  return hs
end
local message = ready.message or ""
if ready.reason ~= nil and ready.reason ~= "" then
  message = ready.reason .. ": " .. message
end
if ready.status == "True" then
  hs.status = "Healthy"
elseif ready.status == "False" and ready.reason ~= "Pending" and ready.reason ~= "Progressing" then
  -- Invalid, Conflicted, a missing Service, a proxy rejecting the config: needs a person.
  hs.status = "Degraded"
else
  hs.status = "Progressing"
end
hs.message = message
return hs
