// @ts-nocheck
// Code generated from crds/schema/*.schema.json. DO NOT EDIT.
// Regenerate with `make generate`.
/* eslint-disable */
"use strict";
export const validateVirtualService = validate10;
const schema11 = {"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://weft.dev/schemas/v1alpha1/virtualservice.json","title":"VirtualService","description":"L7 routing for one or more hosts: ordered HTTP rules with matches and weighted destinations (the HTTP subset of Istio's VirtualService).","type":"object","required":["apiVersion","kind","metadata","spec"],"additionalProperties":false,"properties":{"apiVersion":{"type":"string","const":"weft.dev/v1alpha1"},"kind":{"type":"string","const":"VirtualService"},"metadata":{"title":"ObjectMeta","type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":253},"namespace":{"type":"string","maxLength":63},"labels":{"type":"object","maxProperties":256,"additionalProperties":{"type":"string"}},"annotations":{"type":"object","maxProperties":256,"additionalProperties":{"type":"string"}},"generation":{"type":"integer"}},"additionalProperties":true},"spec":{"$ref":"#/definitions/VirtualServiceSpec"},"status":{"$ref":"#/definitions/ResourceStatus"}},"definitions":{"VirtualServiceSpec":{"title":"VirtualServiceSpec","type":"object","additionalProperties":false,"required":["hosts"],"properties":{"hosts":{"type":"array","maxItems":64,"items":{"type":"string","maxLength":253,"minLength":1},"minItems":1,"description":"Hosts this routing applies to: Service short names, name.namespace, or FQDNs."},"gateways":{"type":"array","maxItems":16,"items":{"type":"string","maxLength":253},"description":"Only \"mesh\" (the sidecars) is supported."},"exportTo":{"type":"array","maxItems":64,"items":{"type":"string","maxLength":63},"description":"Namespaces that see this routing: \".\" for this one, \"*\" for all (the default)."},"http":{"type":"array","maxItems":512,"items":{"$ref":"#/definitions/HTTPRoute"},"description":"Rules, tried in order; the first that matches wins."}}},"HTTPRoute":{"title":"HTTPRoute","type":"object","additionalProperties":false,"properties":{"name":{"type":"string","maxLength":256},"match":{"type":"array","maxItems":64,"items":{"$ref":"#/definitions/HTTPMatchRequest"},"description":"Any one match selects the rule; none means every request."},"route":{"type":"array","maxItems":64,"items":{"$ref":"#/definitions/HTTPRouteDestination"}},"redirect":{"$ref":"#/definitions/HTTPRedirect"},"directResponse":{"$ref":"#/definitions/HTTPDirectResponse"},"rewrite":{"$ref":"#/definitions/HTTPRewrite"},"timeout":{"$ref":"#/definitions/Duration"},"retries":{"$ref":"#/definitions/HTTPRetry"},"fault":{"$ref":"#/definitions/HTTPFaultInjection"},"mirror":{"$ref":"#/definitions/Destination"},"mirrorPercentage":{"$ref":"#/definitions/Percent"},"mirrors":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/HTTPMirrorPolicy"}},"corsPolicy":{"$ref":"#/definitions/CorsPolicy"},"headers":{"$ref":"#/definitions/Headers"}},"x-kubernetes-validations":[{"rule":"!(has(self.route) && has(self.redirect))","message":"a rule may not have both route and redirect"},{"rule":"!(has(self.route) && has(self.directResponse))","message":"a rule may not have both route and directResponse"},{"rule":"!(has(self.redirect) && has(self.directResponse))","message":"a rule may not have both redirect and directResponse"},{"rule":"has(self.route) || has(self.redirect) || has(self.directResponse)","message":"a rule needs one of route, redirect or directResponse"},{"rule":"!(has(self.mirror) && has(self.mirrors))","message":"set only one of mirror or mirrors"}]},"HTTPMatchRequest":{"title":"HTTPMatchRequest","type":"object","additionalProperties":false,"properties":{"name":{"type":"string","maxLength":256},"uri":{"$ref":"#/definitions/StringMatch"},"scheme":{"$ref":"#/definitions/StringMatch"},"method":{"$ref":"#/definitions/StringMatch"},"authority":{"$ref":"#/definitions/StringMatch"},"headers":{"type":"object","maxProperties":64,"additionalProperties":{"$ref":"#/definitions/StringMatch"},"description":"Header name (lower case) to match."},"withoutHeaders":{"type":"object","maxProperties":64,"additionalProperties":{"$ref":"#/definitions/StringMatch"},"description":"Headers that must not match."},"queryParams":{"type":"object","maxProperties":64,"additionalProperties":{"$ref":"#/definitions/StringMatch"}},"port":{"type":"integer","minimum":1,"maximum":65535},"sourceLabels":{"type":"object","maxProperties":64,"additionalProperties":{"type":"string","maxLength":63},"description":"Only callers whose workload has these labels."},"sourceNamespace":{"type":"string","maxLength":63},"ignoreUriCase":{"type":"boolean"}}},"StringMatch":{"title":"StringMatch","type":"object","additionalProperties":false,"maxProperties":1,"description":"Exactly one of exact, prefix or regex (RE2 syntax). An empty object in headers matches presence.","properties":{"exact":{"type":"string","maxLength":4096},"prefix":{"type":"string","maxLength":4096},"regex":{"type":"string","maxLength":1024,"description":"An RE2 regular expression matched against the whole value."}}},"HTTPRouteDestination":{"title":"HTTPRouteDestination","type":"object","additionalProperties":false,"required":["destination"],"properties":{"destination":{"$ref":"#/definitions/Destination"},"weight":{"type":"integer","minimum":0,"maximum":2147483647,"description":"Relative weight; destinations without weights share equally."},"headers":{"$ref":"#/definitions/Headers"}}},"Destination":{"title":"Destination","type":"object","additionalProperties":false,"required":["host"],"properties":{"host":{"type":"string","maxLength":253,"description":"A Service: short name (reviews), name.namespace, or FQDN (reviews.default.svc.cluster.local).","minLength":1},"port":{"$ref":"#/definitions/PortSelector"}}},"PortSelector":{"title":"PortSelector","type":"object","additionalProperties":false,"properties":{"number":{"type":"integer","minimum":1,"maximum":65535}}},"Headers":{"title":"Headers","type":"object","additionalProperties":false,"properties":{"request":{"$ref":"#/definitions/HeaderOperations"},"response":{"$ref":"#/definitions/HeaderOperations"}}},"HeaderOperations":{"title":"HeaderOperations","type":"object","additionalProperties":false,"properties":{"set":{"type":"object","maxProperties":64,"additionalProperties":{"type":"string","maxLength":16384}},"add":{"type":"object","maxProperties":64,"additionalProperties":{"type":"string","maxLength":16384}},"remove":{"type":"array","maxItems":64,"items":{"type":"string","maxLength":256}}}},"HTTPRedirect":{"title":"HTTPRedirect","type":"object","additionalProperties":false,"properties":{"uri":{"type":"string","maxLength":4096},"authority":{"type":"string","maxLength":253},"port":{"type":"integer","minimum":1,"maximum":65535},"derivePort":{"type":"string","enum":["FROM_PROTOCOL_DEFAULT","FROM_REQUEST_PORT"]},"scheme":{"type":"string","enum":["http","https"]},"redirectCode":{"type":"integer","enum":[301,302,303,307,308]}},"x-kubernetes-validations":[{"rule":"!(has(self.port) && has(self.derivePort))","message":"set only one of port or derivePort"}]},"HTTPDirectResponse":{"title":"HTTPDirectResponse","type":"object","additionalProperties":false,"required":["status"],"properties":{"status":{"type":"integer","minimum":200,"maximum":599},"body":{"title":"HTTPBody","type":"object","additionalProperties":false,"maxProperties":1,"properties":{"string":{"type":"string","maxLength":65536},"bytes":{"type":"string","maxLength":87384,"description":"Base64-encoded body."}}}}},"HTTPRewrite":{"title":"HTTPRewrite","type":"object","additionalProperties":false,"properties":{"uri":{"type":"string","maxLength":4096},"authority":{"type":"string","maxLength":253},"uriRegexRewrite":{"title":"RegexRewrite","type":"object","additionalProperties":false,"required":["match","rewrite"],"properties":{"match":{"type":"string","maxLength":1024,"description":"An RE2 regular expression."},"rewrite":{"type":"string","maxLength":4096,"description":"Replacement; \\\\1 refers to the first group."}}}},"x-kubernetes-validations":[{"rule":"!(has(self.uri) && has(self.uriRegexRewrite))","message":"set only one of uri or uriRegexRewrite"}]},"HTTPRetry":{"title":"HTTPRetry","type":"object","additionalProperties":false,"properties":{"attempts":{"type":"integer","minimum":0,"maximum":100,"description":"Retries allowed after the first try."},"perTryTimeout":{"$ref":"#/definitions/Duration"},"retryOn":{"type":"string","maxLength":1024,"description":"Comma-separated conditions: 5xx, gateway-error, reset, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable, or status codes such as 503."},"retryRemoteLocalities":{"type":"boolean"}}},"HTTPFaultInjection":{"title":"HTTPFaultInjection","type":"object","additionalProperties":false,"properties":{"delay":{"title":"FaultDelay","type":"object","additionalProperties":false,"required":["fixedDelay"],"properties":{"fixedDelay":{"$ref":"#/definitions/Duration"},"percentage":{"$ref":"#/definitions/Percent"}}},"abort":{"title":"FaultAbort","type":"object","additionalProperties":false,"properties":{"httpStatus":{"type":"integer","minimum":200,"maximum":599},"grpcStatus":{"type":"string","maxLength":32,"description":"A gRPC status name such as UNAVAILABLE."},"percentage":{"$ref":"#/definitions/Percent"}},"x-kubernetes-validations":[{"rule":"has(self.httpStatus) != has(self.grpcStatus)","message":"set exactly one of httpStatus or grpcStatus"}]}}},"HTTPMirrorPolicy":{"title":"HTTPMirrorPolicy","type":"object","additionalProperties":false,"required":["destination"],"properties":{"destination":{"$ref":"#/definitions/Destination"},"percentage":{"$ref":"#/definitions/Percent"}}},"CorsPolicy":{"title":"CorsPolicy","type":"object","additionalProperties":false,"properties":{"allowOrigins":{"type":"array","maxItems":64,"items":{"$ref":"#/definitions/StringMatch"}},"allowMethods":{"type":"array","maxItems":32,"items":{"type":"string","maxLength":32}},"allowHeaders":{"type":"array","maxItems":64,"items":{"type":"string","maxLength":256}},"exposeHeaders":{"type":"array","maxItems":64,"items":{"type":"string","maxLength":256}},"maxAge":{"$ref":"#/definitions/Duration"},"allowCredentials":{"type":"boolean"},"unmatchedPreflights":{"type":"string","enum":["FORWARD","IGNORE"]}}},"Percent":{"title":"Percent","type":"object","additionalProperties":false,"required":["value"],"properties":{"value":{"type":"number","minimum":0,"maximum":100,"description":"A percentage from 0 to 100."}}},"Duration":{"type":"string","format":"duration","maxLength":64,"pattern":"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$","description":"A duration such as 250ms, 1.5s or 1m30s (units ns, us, ms, s, m, h).","title":"Duration"},"ResourceStatus":{"title":"ResourceStatus","type":"object","additionalProperties":false,"properties":{"observedGeneration":{"type":"integer","minimum":0},"conditions":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/Condition"}}}},"Condition":{"title":"Condition","type":"object","additionalProperties":false,"required":["type","status"],"properties":{"type":{"type":"string","maxLength":316},"status":{"type":"string","enum":["True","False","Unknown"]},"reason":{"type":"string","maxLength":1024},"message":{"type":"string","maxLength":32768},"observedGeneration":{"type":"integer","minimum":0},"lastTransitionTime":{"type":"string","format":"date-time"}}}}};
import func2__cjs from "ajv/dist/runtime/ucs2length.js";
const func2 = func2__cjs.default;
const schema12 = {"title":"VirtualServiceSpec","type":"object","additionalProperties":false,"required":["hosts"],"properties":{"hosts":{"type":"array","maxItems":64,"items":{"type":"string","maxLength":253,"minLength":1},"minItems":1,"description":"Hosts this routing applies to: Service short names, name.namespace, or FQDNs."},"gateways":{"type":"array","maxItems":16,"items":{"type":"string","maxLength":253},"description":"Only \"mesh\" (the sidecars) is supported."},"exportTo":{"type":"array","maxItems":64,"items":{"type":"string","maxLength":63},"description":"Namespaces that see this routing: \".\" for this one, \"*\" for all (the default)."},"http":{"type":"array","maxItems":512,"items":{"$ref":"#/definitions/HTTPRoute"},"description":"Rules, tried in order; the first that matches wins."}}};
const schema13 = {"title":"HTTPRoute","type":"object","additionalProperties":false,"properties":{"name":{"type":"string","maxLength":256},"match":{"type":"array","maxItems":64,"items":{"$ref":"#/definitions/HTTPMatchRequest"},"description":"Any one match selects the rule; none means every request."},"route":{"type":"array","maxItems":64,"items":{"$ref":"#/definitions/HTTPRouteDestination"}},"redirect":{"$ref":"#/definitions/HTTPRedirect"},"directResponse":{"$ref":"#/definitions/HTTPDirectResponse"},"rewrite":{"$ref":"#/definitions/HTTPRewrite"},"timeout":{"$ref":"#/definitions/Duration"},"retries":{"$ref":"#/definitions/HTTPRetry"},"fault":{"$ref":"#/definitions/HTTPFaultInjection"},"mirror":{"$ref":"#/definitions/Destination"},"mirrorPercentage":{"$ref":"#/definitions/Percent"},"mirrors":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/HTTPMirrorPolicy"}},"corsPolicy":{"$ref":"#/definitions/CorsPolicy"},"headers":{"$ref":"#/definitions/Headers"}},"x-kubernetes-validations":[{"rule":"!(has(self.route) && has(self.redirect))","message":"a rule may not have both route and redirect"},{"rule":"!(has(self.route) && has(self.directResponse))","message":"a rule may not have both route and directResponse"},{"rule":"!(has(self.redirect) && has(self.directResponse))","message":"a rule may not have both redirect and directResponse"},{"rule":"has(self.route) || has(self.redirect) || has(self.directResponse)","message":"a rule needs one of route, redirect or directResponse"},{"rule":"!(has(self.mirror) && has(self.mirrors))","message":"set only one of mirror or mirrors"}]};
const schema28 = {"title":"HTTPRedirect","type":"object","additionalProperties":false,"properties":{"uri":{"type":"string","maxLength":4096},"authority":{"type":"string","maxLength":253},"port":{"type":"integer","minimum":1,"maximum":65535},"derivePort":{"type":"string","enum":["FROM_PROTOCOL_DEFAULT","FROM_REQUEST_PORT"]},"scheme":{"type":"string","enum":["http","https"]},"redirectCode":{"type":"integer","enum":[301,302,303,307,308]}},"x-kubernetes-validations":[{"rule":"!(has(self.port) && has(self.derivePort))","message":"set only one of port or derivePort"}]};
const schema29 = {"title":"HTTPDirectResponse","type":"object","additionalProperties":false,"required":["status"],"properties":{"status":{"type":"integer","minimum":200,"maximum":599},"body":{"title":"HTTPBody","type":"object","additionalProperties":false,"maxProperties":1,"properties":{"string":{"type":"string","maxLength":65536},"bytes":{"type":"string","maxLength":87384,"description":"Base64-encoded body."}}}}};
const schema30 = {"title":"HTTPRewrite","type":"object","additionalProperties":false,"properties":{"uri":{"type":"string","maxLength":4096},"authority":{"type":"string","maxLength":253},"uriRegexRewrite":{"title":"RegexRewrite","type":"object","additionalProperties":false,"required":["match","rewrite"],"properties":{"match":{"type":"string","maxLength":1024,"description":"An RE2 regular expression."},"rewrite":{"type":"string","maxLength":4096,"description":"Replacement; \\\\1 refers to the first group."}}}},"x-kubernetes-validations":[{"rule":"!(has(self.uri) && has(self.uriRegexRewrite))","message":"set only one of uri or uriRegexRewrite"}]};
const schema31 = {"type":"string","format":"duration","maxLength":64,"pattern":"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$","description":"A duration such as 250ms, 1.5s or 1m30s (units ns, us, ms, s, m, h).","title":"Duration"};
const schema36 = {"title":"Percent","type":"object","additionalProperties":false,"required":["value"],"properties":{"value":{"type":"number","minimum":0,"maximum":100,"description":"A percentage from 0 to 100."}}};
const func8 = Object.prototype.hasOwnProperty;
const schema14 = {"title":"HTTPMatchRequest","type":"object","additionalProperties":false,"properties":{"name":{"type":"string","maxLength":256},"uri":{"$ref":"#/definitions/StringMatch"},"scheme":{"$ref":"#/definitions/StringMatch"},"method":{"$ref":"#/definitions/StringMatch"},"authority":{"$ref":"#/definitions/StringMatch"},"headers":{"type":"object","maxProperties":64,"additionalProperties":{"$ref":"#/definitions/StringMatch"},"description":"Header name (lower case) to match."},"withoutHeaders":{"type":"object","maxProperties":64,"additionalProperties":{"$ref":"#/definitions/StringMatch"},"description":"Headers that must not match."},"queryParams":{"type":"object","maxProperties":64,"additionalProperties":{"$ref":"#/definitions/StringMatch"}},"port":{"type":"integer","minimum":1,"maximum":65535},"sourceLabels":{"type":"object","maxProperties":64,"additionalProperties":{"type":"string","maxLength":63},"description":"Only callers whose workload has these labels."},"sourceNamespace":{"type":"string","maxLength":63},"ignoreUriCase":{"type":"boolean"}}};
const schema15 = {"title":"StringMatch","type":"object","additionalProperties":false,"maxProperties":1,"description":"Exactly one of exact, prefix or regex (RE2 syntax). An empty object in headers matches presence.","properties":{"exact":{"type":"string","maxLength":4096},"prefix":{"type":"string","maxLength":4096},"regex":{"type":"string","maxLength":1024,"description":"An RE2 regular expression matched against the whole value."}}};

function validate13(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(func8.call(schema14.properties, key0))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema14,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.name !== undefined){
let data0 = data.name;
if(typeof data0 === "string"){
if(func2(data0) > 256){
const err1 = {instancePath:instancePath+"/name",schemaPath:"#/properties/name/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema14.properties.name,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
else {
const err2 = {instancePath:instancePath+"/name",schemaPath:"#/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema14.properties.name.type,parentSchema:schema14.properties.name,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.uri !== undefined){
let data1 = data.uri;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
if(Object.keys(data1).length > 1){
const err3 = {instancePath:instancePath+"/uri",schemaPath:"#/definitions/StringMatch/maxProperties",keyword:"maxProperties",params:{limit: 1},message:"must NOT have more than 1 properties",schema:1,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key1 in data1){
if(!(((key1 === "exact") || (key1 === "prefix")) || (key1 === "regex"))){
const err4 = {instancePath:instancePath+"/uri",schemaPath:"#/definitions/StringMatch/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data1.exact !== undefined){
let data2 = data1.exact;
if(typeof data2 === "string"){
if(func2(data2) > 4096){
const err5 = {instancePath:instancePath+"/uri/exact",schemaPath:"#/definitions/StringMatch/properties/exact/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.exact,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/uri/exact",schemaPath:"#/definitions/StringMatch/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.exact.type,parentSchema:schema15.properties.exact,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data1.prefix !== undefined){
let data3 = data1.prefix;
if(typeof data3 === "string"){
if(func2(data3) > 4096){
const err7 = {instancePath:instancePath+"/uri/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.prefix,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/uri/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.prefix.type,parentSchema:schema15.properties.prefix,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data1.regex !== undefined){
let data4 = data1.regex;
if(typeof data4 === "string"){
if(func2(data4) > 1024){
const err9 = {instancePath:instancePath+"/uri/regex",schemaPath:"#/definitions/StringMatch/properties/regex/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema15.properties.regex,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/uri/regex",schemaPath:"#/definitions/StringMatch/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.regex.type,parentSchema:schema15.properties.regex,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/uri",schemaPath:"#/definitions/StringMatch/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema15.type,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.scheme !== undefined){
let data5 = data.scheme;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(Object.keys(data5).length > 1){
const err12 = {instancePath:instancePath+"/scheme",schemaPath:"#/definitions/StringMatch/maxProperties",keyword:"maxProperties",params:{limit: 1},message:"must NOT have more than 1 properties",schema:1,parentSchema:schema15,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
for(const key2 in data5){
if(!(((key2 === "exact") || (key2 === "prefix")) || (key2 === "regex"))){
const err13 = {instancePath:instancePath+"/scheme",schemaPath:"#/definitions/StringMatch/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema15,data:data5};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data5.exact !== undefined){
let data6 = data5.exact;
if(typeof data6 === "string"){
if(func2(data6) > 4096){
const err14 = {instancePath:instancePath+"/scheme/exact",schemaPath:"#/definitions/StringMatch/properties/exact/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.exact,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/scheme/exact",schemaPath:"#/definitions/StringMatch/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.exact.type,parentSchema:schema15.properties.exact,data:data6};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data5.prefix !== undefined){
let data7 = data5.prefix;
if(typeof data7 === "string"){
if(func2(data7) > 4096){
const err16 = {instancePath:instancePath+"/scheme/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.prefix,data:data7};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
else {
const err17 = {instancePath:instancePath+"/scheme/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.prefix.type,parentSchema:schema15.properties.prefix,data:data7};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data5.regex !== undefined){
let data8 = data5.regex;
if(typeof data8 === "string"){
if(func2(data8) > 1024){
const err18 = {instancePath:instancePath+"/scheme/regex",schemaPath:"#/definitions/StringMatch/properties/regex/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema15.properties.regex,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
else {
const err19 = {instancePath:instancePath+"/scheme/regex",schemaPath:"#/definitions/StringMatch/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.regex.type,parentSchema:schema15.properties.regex,data:data8};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
}
else {
const err20 = {instancePath:instancePath+"/scheme",schemaPath:"#/definitions/StringMatch/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema15.type,parentSchema:schema15,data:data5};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
if(data.method !== undefined){
let data9 = data.method;
if(data9 && typeof data9 == "object" && !Array.isArray(data9)){
if(Object.keys(data9).length > 1){
const err21 = {instancePath:instancePath+"/method",schemaPath:"#/definitions/StringMatch/maxProperties",keyword:"maxProperties",params:{limit: 1},message:"must NOT have more than 1 properties",schema:1,parentSchema:schema15,data:data9};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
for(const key3 in data9){
if(!(((key3 === "exact") || (key3 === "prefix")) || (key3 === "regex"))){
const err22 = {instancePath:instancePath+"/method",schemaPath:"#/definitions/StringMatch/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema15,data:data9};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data9.exact !== undefined){
let data10 = data9.exact;
if(typeof data10 === "string"){
if(func2(data10) > 4096){
const err23 = {instancePath:instancePath+"/method/exact",schemaPath:"#/definitions/StringMatch/properties/exact/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.exact,data:data10};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
else {
const err24 = {instancePath:instancePath+"/method/exact",schemaPath:"#/definitions/StringMatch/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.exact.type,parentSchema:schema15.properties.exact,data:data10};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
if(data9.prefix !== undefined){
let data11 = data9.prefix;
if(typeof data11 === "string"){
if(func2(data11) > 4096){
const err25 = {instancePath:instancePath+"/method/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.prefix,data:data11};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
else {
const err26 = {instancePath:instancePath+"/method/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.prefix.type,parentSchema:schema15.properties.prefix,data:data11};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
if(data9.regex !== undefined){
let data12 = data9.regex;
if(typeof data12 === "string"){
if(func2(data12) > 1024){
const err27 = {instancePath:instancePath+"/method/regex",schemaPath:"#/definitions/StringMatch/properties/regex/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema15.properties.regex,data:data12};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
else {
const err28 = {instancePath:instancePath+"/method/regex",schemaPath:"#/definitions/StringMatch/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.regex.type,parentSchema:schema15.properties.regex,data:data12};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
}
else {
const err29 = {instancePath:instancePath+"/method",schemaPath:"#/definitions/StringMatch/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema15.type,parentSchema:schema15,data:data9};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
if(data.authority !== undefined){
let data13 = data.authority;
if(data13 && typeof data13 == "object" && !Array.isArray(data13)){
if(Object.keys(data13).length > 1){
const err30 = {instancePath:instancePath+"/authority",schemaPath:"#/definitions/StringMatch/maxProperties",keyword:"maxProperties",params:{limit: 1},message:"must NOT have more than 1 properties",schema:1,parentSchema:schema15,data:data13};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
for(const key4 in data13){
if(!(((key4 === "exact") || (key4 === "prefix")) || (key4 === "regex"))){
const err31 = {instancePath:instancePath+"/authority",schemaPath:"#/definitions/StringMatch/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema15,data:data13};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
if(data13.exact !== undefined){
let data14 = data13.exact;
if(typeof data14 === "string"){
if(func2(data14) > 4096){
const err32 = {instancePath:instancePath+"/authority/exact",schemaPath:"#/definitions/StringMatch/properties/exact/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.exact,data:data14};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
else {
const err33 = {instancePath:instancePath+"/authority/exact",schemaPath:"#/definitions/StringMatch/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.exact.type,parentSchema:schema15.properties.exact,data:data14};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
if(data13.prefix !== undefined){
let data15 = data13.prefix;
if(typeof data15 === "string"){
if(func2(data15) > 4096){
const err34 = {instancePath:instancePath+"/authority/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.prefix,data:data15};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
else {
const err35 = {instancePath:instancePath+"/authority/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.prefix.type,parentSchema:schema15.properties.prefix,data:data15};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
if(data13.regex !== undefined){
let data16 = data13.regex;
if(typeof data16 === "string"){
if(func2(data16) > 1024){
const err36 = {instancePath:instancePath+"/authority/regex",schemaPath:"#/definitions/StringMatch/properties/regex/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema15.properties.regex,data:data16};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
}
else {
const err37 = {instancePath:instancePath+"/authority/regex",schemaPath:"#/definitions/StringMatch/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.regex.type,parentSchema:schema15.properties.regex,data:data16};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
}
else {
const err38 = {instancePath:instancePath+"/authority",schemaPath:"#/definitions/StringMatch/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema15.type,parentSchema:schema15,data:data13};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
if(data.headers !== undefined){
let data17 = data.headers;
if(data17 && typeof data17 == "object" && !Array.isArray(data17)){
if(Object.keys(data17).length > 64){
const err39 = {instancePath:instancePath+"/headers",schemaPath:"#/properties/headers/maxProperties",keyword:"maxProperties",params:{limit: 64},message:"must NOT have more than 64 properties",schema:64,parentSchema:schema14.properties.headers,data:data17};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
for(const key5 in data17){
let data18 = data17[key5];
if(data18 && typeof data18 == "object" && !Array.isArray(data18)){
if(Object.keys(data18).length > 1){
const err40 = {instancePath:instancePath+"/headers/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/StringMatch/maxProperties",keyword:"maxProperties",params:{limit: 1},message:"must NOT have more than 1 properties",schema:1,parentSchema:schema15,data:data18};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
for(const key6 in data18){
if(!(((key6 === "exact") || (key6 === "prefix")) || (key6 === "regex"))){
const err41 = {instancePath:instancePath+"/headers/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/StringMatch/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key6},message:"must NOT have additional properties",schema:false,parentSchema:schema15,data:data18};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
}
if(data18.exact !== undefined){
let data19 = data18.exact;
if(typeof data19 === "string"){
if(func2(data19) > 4096){
const err42 = {instancePath:instancePath+"/headers/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/exact",schemaPath:"#/definitions/StringMatch/properties/exact/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.exact,data:data19};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
}
else {
const err43 = {instancePath:instancePath+"/headers/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/exact",schemaPath:"#/definitions/StringMatch/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.exact.type,parentSchema:schema15.properties.exact,data:data19};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
}
if(data18.prefix !== undefined){
let data20 = data18.prefix;
if(typeof data20 === "string"){
if(func2(data20) > 4096){
const err44 = {instancePath:instancePath+"/headers/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.prefix,data:data20};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
}
else {
const err45 = {instancePath:instancePath+"/headers/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.prefix.type,parentSchema:schema15.properties.prefix,data:data20};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
if(data18.regex !== undefined){
let data21 = data18.regex;
if(typeof data21 === "string"){
if(func2(data21) > 1024){
const err46 = {instancePath:instancePath+"/headers/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/regex",schemaPath:"#/definitions/StringMatch/properties/regex/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema15.properties.regex,data:data21};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
}
else {
const err47 = {instancePath:instancePath+"/headers/" + key5.replace(/~/g, "~0").replace(/\//g, "~1")+"/regex",schemaPath:"#/definitions/StringMatch/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.regex.type,parentSchema:schema15.properties.regex,data:data21};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
}
}
else {
const err48 = {instancePath:instancePath+"/headers/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/StringMatch/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema15.type,parentSchema:schema15,data:data18};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
}
}
else {
const err49 = {instancePath:instancePath+"/headers",schemaPath:"#/properties/headers/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema14.properties.headers.type,parentSchema:schema14.properties.headers,data:data17};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
}
if(data.withoutHeaders !== undefined){
let data22 = data.withoutHeaders;
if(data22 && typeof data22 == "object" && !Array.isArray(data22)){
if(Object.keys(data22).length > 64){
const err50 = {instancePath:instancePath+"/withoutHeaders",schemaPath:"#/properties/withoutHeaders/maxProperties",keyword:"maxProperties",params:{limit: 64},message:"must NOT have more than 64 properties",schema:64,parentSchema:schema14.properties.withoutHeaders,data:data22};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
for(const key7 in data22){
let data23 = data22[key7];
if(data23 && typeof data23 == "object" && !Array.isArray(data23)){
if(Object.keys(data23).length > 1){
const err51 = {instancePath:instancePath+"/withoutHeaders/" + key7.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/StringMatch/maxProperties",keyword:"maxProperties",params:{limit: 1},message:"must NOT have more than 1 properties",schema:1,parentSchema:schema15,data:data23};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
for(const key8 in data23){
if(!(((key8 === "exact") || (key8 === "prefix")) || (key8 === "regex"))){
const err52 = {instancePath:instancePath+"/withoutHeaders/" + key7.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/StringMatch/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key8},message:"must NOT have additional properties",schema:false,parentSchema:schema15,data:data23};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
}
if(data23.exact !== undefined){
let data24 = data23.exact;
if(typeof data24 === "string"){
if(func2(data24) > 4096){
const err53 = {instancePath:instancePath+"/withoutHeaders/" + key7.replace(/~/g, "~0").replace(/\//g, "~1")+"/exact",schemaPath:"#/definitions/StringMatch/properties/exact/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.exact,data:data24};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
}
else {
const err54 = {instancePath:instancePath+"/withoutHeaders/" + key7.replace(/~/g, "~0").replace(/\//g, "~1")+"/exact",schemaPath:"#/definitions/StringMatch/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.exact.type,parentSchema:schema15.properties.exact,data:data24};
if(vErrors === null){
vErrors = [err54];
}
else {
vErrors.push(err54);
}
errors++;
}
}
if(data23.prefix !== undefined){
let data25 = data23.prefix;
if(typeof data25 === "string"){
if(func2(data25) > 4096){
const err55 = {instancePath:instancePath+"/withoutHeaders/" + key7.replace(/~/g, "~0").replace(/\//g, "~1")+"/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.prefix,data:data25};
if(vErrors === null){
vErrors = [err55];
}
else {
vErrors.push(err55);
}
errors++;
}
}
else {
const err56 = {instancePath:instancePath+"/withoutHeaders/" + key7.replace(/~/g, "~0").replace(/\//g, "~1")+"/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.prefix.type,parentSchema:schema15.properties.prefix,data:data25};
if(vErrors === null){
vErrors = [err56];
}
else {
vErrors.push(err56);
}
errors++;
}
}
if(data23.regex !== undefined){
let data26 = data23.regex;
if(typeof data26 === "string"){
if(func2(data26) > 1024){
const err57 = {instancePath:instancePath+"/withoutHeaders/" + key7.replace(/~/g, "~0").replace(/\//g, "~1")+"/regex",schemaPath:"#/definitions/StringMatch/properties/regex/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema15.properties.regex,data:data26};
if(vErrors === null){
vErrors = [err57];
}
else {
vErrors.push(err57);
}
errors++;
}
}
else {
const err58 = {instancePath:instancePath+"/withoutHeaders/" + key7.replace(/~/g, "~0").replace(/\//g, "~1")+"/regex",schemaPath:"#/definitions/StringMatch/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.regex.type,parentSchema:schema15.properties.regex,data:data26};
if(vErrors === null){
vErrors = [err58];
}
else {
vErrors.push(err58);
}
errors++;
}
}
}
else {
const err59 = {instancePath:instancePath+"/withoutHeaders/" + key7.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/StringMatch/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema15.type,parentSchema:schema15,data:data23};
if(vErrors === null){
vErrors = [err59];
}
else {
vErrors.push(err59);
}
errors++;
}
}
}
else {
const err60 = {instancePath:instancePath+"/withoutHeaders",schemaPath:"#/properties/withoutHeaders/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema14.properties.withoutHeaders.type,parentSchema:schema14.properties.withoutHeaders,data:data22};
if(vErrors === null){
vErrors = [err60];
}
else {
vErrors.push(err60);
}
errors++;
}
}
if(data.queryParams !== undefined){
let data27 = data.queryParams;
if(data27 && typeof data27 == "object" && !Array.isArray(data27)){
if(Object.keys(data27).length > 64){
const err61 = {instancePath:instancePath+"/queryParams",schemaPath:"#/properties/queryParams/maxProperties",keyword:"maxProperties",params:{limit: 64},message:"must NOT have more than 64 properties",schema:64,parentSchema:schema14.properties.queryParams,data:data27};
if(vErrors === null){
vErrors = [err61];
}
else {
vErrors.push(err61);
}
errors++;
}
for(const key9 in data27){
let data28 = data27[key9];
if(data28 && typeof data28 == "object" && !Array.isArray(data28)){
if(Object.keys(data28).length > 1){
const err62 = {instancePath:instancePath+"/queryParams/" + key9.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/StringMatch/maxProperties",keyword:"maxProperties",params:{limit: 1},message:"must NOT have more than 1 properties",schema:1,parentSchema:schema15,data:data28};
if(vErrors === null){
vErrors = [err62];
}
else {
vErrors.push(err62);
}
errors++;
}
for(const key10 in data28){
if(!(((key10 === "exact") || (key10 === "prefix")) || (key10 === "regex"))){
const err63 = {instancePath:instancePath+"/queryParams/" + key9.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/StringMatch/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key10},message:"must NOT have additional properties",schema:false,parentSchema:schema15,data:data28};
if(vErrors === null){
vErrors = [err63];
}
else {
vErrors.push(err63);
}
errors++;
}
}
if(data28.exact !== undefined){
let data29 = data28.exact;
if(typeof data29 === "string"){
if(func2(data29) > 4096){
const err64 = {instancePath:instancePath+"/queryParams/" + key9.replace(/~/g, "~0").replace(/\//g, "~1")+"/exact",schemaPath:"#/definitions/StringMatch/properties/exact/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.exact,data:data29};
if(vErrors === null){
vErrors = [err64];
}
else {
vErrors.push(err64);
}
errors++;
}
}
else {
const err65 = {instancePath:instancePath+"/queryParams/" + key9.replace(/~/g, "~0").replace(/\//g, "~1")+"/exact",schemaPath:"#/definitions/StringMatch/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.exact.type,parentSchema:schema15.properties.exact,data:data29};
if(vErrors === null){
vErrors = [err65];
}
else {
vErrors.push(err65);
}
errors++;
}
}
if(data28.prefix !== undefined){
let data30 = data28.prefix;
if(typeof data30 === "string"){
if(func2(data30) > 4096){
const err66 = {instancePath:instancePath+"/queryParams/" + key9.replace(/~/g, "~0").replace(/\//g, "~1")+"/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.prefix,data:data30};
if(vErrors === null){
vErrors = [err66];
}
else {
vErrors.push(err66);
}
errors++;
}
}
else {
const err67 = {instancePath:instancePath+"/queryParams/" + key9.replace(/~/g, "~0").replace(/\//g, "~1")+"/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.prefix.type,parentSchema:schema15.properties.prefix,data:data30};
if(vErrors === null){
vErrors = [err67];
}
else {
vErrors.push(err67);
}
errors++;
}
}
if(data28.regex !== undefined){
let data31 = data28.regex;
if(typeof data31 === "string"){
if(func2(data31) > 1024){
const err68 = {instancePath:instancePath+"/queryParams/" + key9.replace(/~/g, "~0").replace(/\//g, "~1")+"/regex",schemaPath:"#/definitions/StringMatch/properties/regex/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema15.properties.regex,data:data31};
if(vErrors === null){
vErrors = [err68];
}
else {
vErrors.push(err68);
}
errors++;
}
}
else {
const err69 = {instancePath:instancePath+"/queryParams/" + key9.replace(/~/g, "~0").replace(/\//g, "~1")+"/regex",schemaPath:"#/definitions/StringMatch/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.regex.type,parentSchema:schema15.properties.regex,data:data31};
if(vErrors === null){
vErrors = [err69];
}
else {
vErrors.push(err69);
}
errors++;
}
}
}
else {
const err70 = {instancePath:instancePath+"/queryParams/" + key9.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/StringMatch/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema15.type,parentSchema:schema15,data:data28};
if(vErrors === null){
vErrors = [err70];
}
else {
vErrors.push(err70);
}
errors++;
}
}
}
else {
const err71 = {instancePath:instancePath+"/queryParams",schemaPath:"#/properties/queryParams/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema14.properties.queryParams.type,parentSchema:schema14.properties.queryParams,data:data27};
if(vErrors === null){
vErrors = [err71];
}
else {
vErrors.push(err71);
}
errors++;
}
}
if(data.port !== undefined){
let data32 = data.port;
if(!(((typeof data32 == "number") && (!(data32 % 1) && !isNaN(data32))) && (isFinite(data32)))){
const err72 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema14.properties.port.type,parentSchema:schema14.properties.port,data:data32};
if(vErrors === null){
vErrors = [err72];
}
else {
vErrors.push(err72);
}
errors++;
}
if((typeof data32 == "number") && (isFinite(data32))){
if(data32 > 65535 || isNaN(data32)){
const err73 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema14.properties.port,data:data32};
if(vErrors === null){
vErrors = [err73];
}
else {
vErrors.push(err73);
}
errors++;
}
if(data32 < 1 || isNaN(data32)){
const err74 = {instancePath:instancePath+"/port",schemaPath:"#/properties/port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema14.properties.port,data:data32};
if(vErrors === null){
vErrors = [err74];
}
else {
vErrors.push(err74);
}
errors++;
}
}
}
if(data.sourceLabels !== undefined){
let data33 = data.sourceLabels;
if(data33 && typeof data33 == "object" && !Array.isArray(data33)){
if(Object.keys(data33).length > 64){
const err75 = {instancePath:instancePath+"/sourceLabels",schemaPath:"#/properties/sourceLabels/maxProperties",keyword:"maxProperties",params:{limit: 64},message:"must NOT have more than 64 properties",schema:64,parentSchema:schema14.properties.sourceLabels,data:data33};
if(vErrors === null){
vErrors = [err75];
}
else {
vErrors.push(err75);
}
errors++;
}
for(const key11 in data33){
let data34 = data33[key11];
if(typeof data34 === "string"){
if(func2(data34) > 63){
const err76 = {instancePath:instancePath+"/sourceLabels/" + key11.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/sourceLabels/additionalProperties/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema14.properties.sourceLabels.additionalProperties,data:data34};
if(vErrors === null){
vErrors = [err76];
}
else {
vErrors.push(err76);
}
errors++;
}
}
else {
const err77 = {instancePath:instancePath+"/sourceLabels/" + key11.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/sourceLabels/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema14.properties.sourceLabels.additionalProperties.type,parentSchema:schema14.properties.sourceLabels.additionalProperties,data:data34};
if(vErrors === null){
vErrors = [err77];
}
else {
vErrors.push(err77);
}
errors++;
}
}
}
else {
const err78 = {instancePath:instancePath+"/sourceLabels",schemaPath:"#/properties/sourceLabels/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema14.properties.sourceLabels.type,parentSchema:schema14.properties.sourceLabels,data:data33};
if(vErrors === null){
vErrors = [err78];
}
else {
vErrors.push(err78);
}
errors++;
}
}
if(data.sourceNamespace !== undefined){
let data35 = data.sourceNamespace;
if(typeof data35 === "string"){
if(func2(data35) > 63){
const err79 = {instancePath:instancePath+"/sourceNamespace",schemaPath:"#/properties/sourceNamespace/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema14.properties.sourceNamespace,data:data35};
if(vErrors === null){
vErrors = [err79];
}
else {
vErrors.push(err79);
}
errors++;
}
}
else {
const err80 = {instancePath:instancePath+"/sourceNamespace",schemaPath:"#/properties/sourceNamespace/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema14.properties.sourceNamespace.type,parentSchema:schema14.properties.sourceNamespace,data:data35};
if(vErrors === null){
vErrors = [err80];
}
else {
vErrors.push(err80);
}
errors++;
}
}
if(data.ignoreUriCase !== undefined){
let data36 = data.ignoreUriCase;
if(typeof data36 !== "boolean"){
const err81 = {instancePath:instancePath+"/ignoreUriCase",schemaPath:"#/properties/ignoreUriCase/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema14.properties.ignoreUriCase.type,parentSchema:schema14.properties.ignoreUriCase,data:data36};
if(vErrors === null){
vErrors = [err81];
}
else {
vErrors.push(err81);
}
errors++;
}
}
}
else {
const err82 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema14.type,parentSchema:schema14,data};
if(vErrors === null){
vErrors = [err82];
}
else {
vErrors.push(err82);
}
errors++;
}
validate13.errors = vErrors;
return errors === 0;
}

const schema22 = {"title":"HTTPRouteDestination","type":"object","additionalProperties":false,"required":["destination"],"properties":{"destination":{"$ref":"#/definitions/Destination"},"weight":{"type":"integer","minimum":0,"maximum":2147483647,"description":"Relative weight; destinations without weights share equally."},"headers":{"$ref":"#/definitions/Headers"}}};
const schema23 = {"title":"Destination","type":"object","additionalProperties":false,"required":["host"],"properties":{"host":{"type":"string","maxLength":253,"description":"A Service: short name (reviews), name.namespace, or FQDN (reviews.default.svc.cluster.local).","minLength":1},"port":{"$ref":"#/definitions/PortSelector"}}};
const schema24 = {"title":"PortSelector","type":"object","additionalProperties":false,"properties":{"number":{"type":"integer","minimum":1,"maximum":65535}}};

function validate16(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.host === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "host"},message:"must have required property '"+"host"+"'",schema:schema23.required,parentSchema:schema23,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((key0 === "host") || (key0 === "port"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema23,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.host !== undefined){
let data0 = data.host;
if(typeof data0 === "string"){
if(func2(data0) > 253){
const err2 = {instancePath:instancePath+"/host",schemaPath:"#/properties/host/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema23.properties.host,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(func2(data0) < 1){
const err3 = {instancePath:instancePath+"/host",schemaPath:"#/properties/host/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema23.properties.host,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/host",schemaPath:"#/properties/host/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema23.properties.host.type,parentSchema:schema23.properties.host,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.port !== undefined){
let data1 = data.port;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
for(const key1 in data1){
if(!(key1 === "number")){
const err5 = {instancePath:instancePath+"/port",schemaPath:"#/definitions/PortSelector/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema24,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data1.number !== undefined){
let data2 = data1.number;
if(!(((typeof data2 == "number") && (!(data2 % 1) && !isNaN(data2))) && (isFinite(data2)))){
const err6 = {instancePath:instancePath+"/port/number",schemaPath:"#/definitions/PortSelector/properties/number/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema24.properties.number.type,parentSchema:schema24.properties.number,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if((typeof data2 == "number") && (isFinite(data2))){
if(data2 > 65535 || isNaN(data2)){
const err7 = {instancePath:instancePath+"/port/number",schemaPath:"#/definitions/PortSelector/properties/number/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema24.properties.number,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if(data2 < 1 || isNaN(data2)){
const err8 = {instancePath:instancePath+"/port/number",schemaPath:"#/definitions/PortSelector/properties/number/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema24.properties.number,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
}
else {
const err9 = {instancePath:instancePath+"/port",schemaPath:"#/definitions/PortSelector/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema24.type,parentSchema:schema24,data:data1};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema23.type,parentSchema:schema23,data};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
validate16.errors = vErrors;
return errors === 0;
}

const schema25 = {"title":"Headers","type":"object","additionalProperties":false,"properties":{"request":{"$ref":"#/definitions/HeaderOperations"},"response":{"$ref":"#/definitions/HeaderOperations"}}};
const schema26 = {"title":"HeaderOperations","type":"object","additionalProperties":false,"properties":{"set":{"type":"object","maxProperties":64,"additionalProperties":{"type":"string","maxLength":16384}},"add":{"type":"object","maxProperties":64,"additionalProperties":{"type":"string","maxLength":16384}},"remove":{"type":"array","maxItems":64,"items":{"type":"string","maxLength":256}}}};

function validate18(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((key0 === "request") || (key0 === "response"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema25,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.request !== undefined){
let data0 = data.request;
if(data0 && typeof data0 == "object" && !Array.isArray(data0)){
for(const key1 in data0){
if(!(((key1 === "set") || (key1 === "add")) || (key1 === "remove"))){
const err1 = {instancePath:instancePath+"/request",schemaPath:"#/definitions/HeaderOperations/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema26,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data0.set !== undefined){
let data1 = data0.set;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
if(Object.keys(data1).length > 64){
const err2 = {instancePath:instancePath+"/request/set",schemaPath:"#/definitions/HeaderOperations/properties/set/maxProperties",keyword:"maxProperties",params:{limit: 64},message:"must NOT have more than 64 properties",schema:64,parentSchema:schema26.properties.set,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key2 in data1){
let data2 = data1[key2];
if(typeof data2 === "string"){
if(func2(data2) > 16384){
const err3 = {instancePath:instancePath+"/request/set/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/HeaderOperations/properties/set/additionalProperties/maxLength",keyword:"maxLength",params:{limit: 16384},message:"must NOT have more than 16384 characters",schema:16384,parentSchema:schema26.properties.set.additionalProperties,data:data2};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/request/set/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/HeaderOperations/properties/set/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema26.properties.set.additionalProperties.type,parentSchema:schema26.properties.set.additionalProperties,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
}
else {
const err5 = {instancePath:instancePath+"/request/set",schemaPath:"#/definitions/HeaderOperations/properties/set/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema26.properties.set.type,parentSchema:schema26.properties.set,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data0.add !== undefined){
let data3 = data0.add;
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
if(Object.keys(data3).length > 64){
const err6 = {instancePath:instancePath+"/request/add",schemaPath:"#/definitions/HeaderOperations/properties/add/maxProperties",keyword:"maxProperties",params:{limit: 64},message:"must NOT have more than 64 properties",schema:64,parentSchema:schema26.properties.add,data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
for(const key3 in data3){
let data4 = data3[key3];
if(typeof data4 === "string"){
if(func2(data4) > 16384){
const err7 = {instancePath:instancePath+"/request/add/" + key3.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/HeaderOperations/properties/add/additionalProperties/maxLength",keyword:"maxLength",params:{limit: 16384},message:"must NOT have more than 16384 characters",schema:16384,parentSchema:schema26.properties.add.additionalProperties,data:data4};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/request/add/" + key3.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/HeaderOperations/properties/add/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema26.properties.add.additionalProperties.type,parentSchema:schema26.properties.add.additionalProperties,data:data4};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
else {
const err9 = {instancePath:instancePath+"/request/add",schemaPath:"#/definitions/HeaderOperations/properties/add/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema26.properties.add.type,parentSchema:schema26.properties.add,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data0.remove !== undefined){
let data5 = data0.remove;
if(Array.isArray(data5)){
if(data5.length > 64){
const err10 = {instancePath:instancePath+"/request/remove",schemaPath:"#/definitions/HeaderOperations/properties/remove/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema26.properties.remove,data:data5};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
const len0 = data5.length;
for(let i0=0; i0<len0; i0++){
let data6 = data5[i0];
if(typeof data6 === "string"){
if(func2(data6) > 256){
const err11 = {instancePath:instancePath+"/request/remove/" + i0,schemaPath:"#/definitions/HeaderOperations/properties/remove/items/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema26.properties.remove.items,data:data6};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/request/remove/" + i0,schemaPath:"#/definitions/HeaderOperations/properties/remove/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema26.properties.remove.items.type,parentSchema:schema26.properties.remove.items,data:data6};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
}
else {
const err13 = {instancePath:instancePath+"/request/remove",schemaPath:"#/definitions/HeaderOperations/properties/remove/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema26.properties.remove.type,parentSchema:schema26.properties.remove,data:data5};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
}
else {
const err14 = {instancePath:instancePath+"/request",schemaPath:"#/definitions/HeaderOperations/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema26.type,parentSchema:schema26,data:data0};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.response !== undefined){
let data7 = data.response;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
for(const key4 in data7){
if(!(((key4 === "set") || (key4 === "add")) || (key4 === "remove"))){
const err15 = {instancePath:instancePath+"/response",schemaPath:"#/definitions/HeaderOperations/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema26,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data7.set !== undefined){
let data8 = data7.set;
if(data8 && typeof data8 == "object" && !Array.isArray(data8)){
if(Object.keys(data8).length > 64){
const err16 = {instancePath:instancePath+"/response/set",schemaPath:"#/definitions/HeaderOperations/properties/set/maxProperties",keyword:"maxProperties",params:{limit: 64},message:"must NOT have more than 64 properties",schema:64,parentSchema:schema26.properties.set,data:data8};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
for(const key5 in data8){
let data9 = data8[key5];
if(typeof data9 === "string"){
if(func2(data9) > 16384){
const err17 = {instancePath:instancePath+"/response/set/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/HeaderOperations/properties/set/additionalProperties/maxLength",keyword:"maxLength",params:{limit: 16384},message:"must NOT have more than 16384 characters",schema:16384,parentSchema:schema26.properties.set.additionalProperties,data:data9};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/response/set/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/HeaderOperations/properties/set/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema26.properties.set.additionalProperties.type,parentSchema:schema26.properties.set.additionalProperties,data:data9};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/response/set",schemaPath:"#/definitions/HeaderOperations/properties/set/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema26.properties.set.type,parentSchema:schema26.properties.set,data:data8};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data7.add !== undefined){
let data10 = data7.add;
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
if(Object.keys(data10).length > 64){
const err20 = {instancePath:instancePath+"/response/add",schemaPath:"#/definitions/HeaderOperations/properties/add/maxProperties",keyword:"maxProperties",params:{limit: 64},message:"must NOT have more than 64 properties",schema:64,parentSchema:schema26.properties.add,data:data10};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
for(const key6 in data10){
let data11 = data10[key6];
if(typeof data11 === "string"){
if(func2(data11) > 16384){
const err21 = {instancePath:instancePath+"/response/add/" + key6.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/HeaderOperations/properties/add/additionalProperties/maxLength",keyword:"maxLength",params:{limit: 16384},message:"must NOT have more than 16384 characters",schema:16384,parentSchema:schema26.properties.add.additionalProperties,data:data11};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
else {
const err22 = {instancePath:instancePath+"/response/add/" + key6.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/HeaderOperations/properties/add/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema26.properties.add.additionalProperties.type,parentSchema:schema26.properties.add.additionalProperties,data:data11};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
}
else {
const err23 = {instancePath:instancePath+"/response/add",schemaPath:"#/definitions/HeaderOperations/properties/add/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema26.properties.add.type,parentSchema:schema26.properties.add,data:data10};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data7.remove !== undefined){
let data12 = data7.remove;
if(Array.isArray(data12)){
if(data12.length > 64){
const err24 = {instancePath:instancePath+"/response/remove",schemaPath:"#/definitions/HeaderOperations/properties/remove/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema26.properties.remove,data:data12};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
const len1 = data12.length;
for(let i1=0; i1<len1; i1++){
let data13 = data12[i1];
if(typeof data13 === "string"){
if(func2(data13) > 256){
const err25 = {instancePath:instancePath+"/response/remove/" + i1,schemaPath:"#/definitions/HeaderOperations/properties/remove/items/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema26.properties.remove.items,data:data13};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
else {
const err26 = {instancePath:instancePath+"/response/remove/" + i1,schemaPath:"#/definitions/HeaderOperations/properties/remove/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema26.properties.remove.items.type,parentSchema:schema26.properties.remove.items,data:data13};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
}
else {
const err27 = {instancePath:instancePath+"/response/remove",schemaPath:"#/definitions/HeaderOperations/properties/remove/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema26.properties.remove.type,parentSchema:schema26.properties.remove,data:data12};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
}
else {
const err28 = {instancePath:instancePath+"/response",schemaPath:"#/definitions/HeaderOperations/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema26.type,parentSchema:schema26,data:data7};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
}
else {
const err29 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema25.type,parentSchema:schema25,data};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
validate18.errors = vErrors;
return errors === 0;
}


function validate15(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.destination === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "destination"},message:"must have required property '"+"destination"+"'",schema:schema22.required,parentSchema:schema22,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((key0 === "destination") || (key0 === "weight")) || (key0 === "headers"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema22,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.destination !== undefined){
if(!(validate16(data.destination, {instancePath:instancePath+"/destination",parentData:data,parentDataProperty:"destination",rootData}))){
vErrors = vErrors === null ? validate16.errors : vErrors.concat(validate16.errors);
errors = vErrors.length;
}
}
if(data.weight !== undefined){
let data1 = data.weight;
if(!(((typeof data1 == "number") && (!(data1 % 1) && !isNaN(data1))) && (isFinite(data1)))){
const err2 = {instancePath:instancePath+"/weight",schemaPath:"#/properties/weight/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema22.properties.weight.type,parentSchema:schema22.properties.weight,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if((typeof data1 == "number") && (isFinite(data1))){
if(data1 > 2147483647 || isNaN(data1)){
const err3 = {instancePath:instancePath+"/weight",schemaPath:"#/properties/weight/maximum",keyword:"maximum",params:{comparison: "<=", limit: 2147483647},message:"must be <= 2147483647",schema:2147483647,parentSchema:schema22.properties.weight,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data1 < 0 || isNaN(data1)){
const err4 = {instancePath:instancePath+"/weight",schemaPath:"#/properties/weight/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema22.properties.weight,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
}
if(data.headers !== undefined){
if(!(validate18(data.headers, {instancePath:instancePath+"/headers",parentData:data,parentDataProperty:"headers",rootData}))){
vErrors = vErrors === null ? validate18.errors : vErrors.concat(validate18.errors);
errors = vErrors.length;
}
}
}
else {
const err5 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema22.type,parentSchema:schema22,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
validate15.errors = vErrors;
return errors === 0;
}

const schema32 = {"title":"HTTPRetry","type":"object","additionalProperties":false,"properties":{"attempts":{"type":"integer","minimum":0,"maximum":100,"description":"Retries allowed after the first try."},"perTryTimeout":{"$ref":"#/definitions/Duration"},"retryOn":{"type":"string","maxLength":1024,"description":"Comma-separated conditions: 5xx, gateway-error, reset, connect-failure, retriable-4xx, refused-stream, retriable-status-codes, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable, or status codes such as 503."},"retryRemoteLocalities":{"type":"boolean"}}};
const pattern0 = new RegExp("^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$", "u");

function validate21(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((((key0 === "attempts") || (key0 === "perTryTimeout")) || (key0 === "retryOn")) || (key0 === "retryRemoteLocalities"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.attempts !== undefined){
let data0 = data.attempts;
if(!(((typeof data0 == "number") && (!(data0 % 1) && !isNaN(data0))) && (isFinite(data0)))){
const err1 = {instancePath:instancePath+"/attempts",schemaPath:"#/properties/attempts/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema32.properties.attempts.type,parentSchema:schema32.properties.attempts,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if((typeof data0 == "number") && (isFinite(data0))){
if(data0 > 100 || isNaN(data0)){
const err2 = {instancePath:instancePath+"/attempts",schemaPath:"#/properties/attempts/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema32.properties.attempts,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data0 < 0 || isNaN(data0)){
const err3 = {instancePath:instancePath+"/attempts",schemaPath:"#/properties/attempts/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema32.properties.attempts,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
}
if(data.perTryTimeout !== undefined){
let data1 = data.perTryTimeout;
if(typeof data1 === "string"){
if(func2(data1) > 64){
const err4 = {instancePath:instancePath+"/perTryTimeout",schemaPath:"#/definitions/Duration/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema31,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(!pattern0.test(data1)){
const err5 = {instancePath:instancePath+"/perTryTimeout",schemaPath:"#/definitions/Duration/pattern",keyword:"pattern",params:{pattern: "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"},message:"must match pattern \""+"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"+"\"",schema:"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$",parentSchema:schema31,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/perTryTimeout",schemaPath:"#/definitions/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.type,parentSchema:schema31,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.retryOn !== undefined){
let data2 = data.retryOn;
if(typeof data2 === "string"){
if(func2(data2) > 1024){
const err7 = {instancePath:instancePath+"/retryOn",schemaPath:"#/properties/retryOn/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema32.properties.retryOn,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/retryOn",schemaPath:"#/properties/retryOn/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.properties.retryOn.type,parentSchema:schema32.properties.retryOn,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.retryRemoteLocalities !== undefined){
let data3 = data.retryRemoteLocalities;
if(typeof data3 !== "boolean"){
const err9 = {instancePath:instancePath+"/retryRemoteLocalities",schemaPath:"#/properties/retryRemoteLocalities/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema32.properties.retryRemoteLocalities.type,parentSchema:schema32.properties.retryRemoteLocalities,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema32.type,parentSchema:schema32,data};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
validate21.errors = vErrors;
return errors === 0;
}

const schema34 = {"title":"HTTPFaultInjection","type":"object","additionalProperties":false,"properties":{"delay":{"title":"FaultDelay","type":"object","additionalProperties":false,"required":["fixedDelay"],"properties":{"fixedDelay":{"$ref":"#/definitions/Duration"},"percentage":{"$ref":"#/definitions/Percent"}}},"abort":{"title":"FaultAbort","type":"object","additionalProperties":false,"properties":{"httpStatus":{"type":"integer","minimum":200,"maximum":599},"grpcStatus":{"type":"string","maxLength":32,"description":"A gRPC status name such as UNAVAILABLE."},"percentage":{"$ref":"#/definitions/Percent"}},"x-kubernetes-validations":[{"rule":"has(self.httpStatus) != has(self.grpcStatus)","message":"set exactly one of httpStatus or grpcStatus"}]}}};

function validate23(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((key0 === "delay") || (key0 === "abort"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.delay !== undefined){
let data0 = data.delay;
if(data0 && typeof data0 == "object" && !Array.isArray(data0)){
if(data0.fixedDelay === undefined){
const err1 = {instancePath:instancePath+"/delay",schemaPath:"#/properties/delay/required",keyword:"required",params:{missingProperty: "fixedDelay"},message:"must have required property '"+"fixedDelay"+"'",schema:schema34.properties.delay.required,parentSchema:schema34.properties.delay,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key1 in data0){
if(!((key1 === "fixedDelay") || (key1 === "percentage"))){
const err2 = {instancePath:instancePath+"/delay",schemaPath:"#/properties/delay/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema34.properties.delay,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data0.fixedDelay !== undefined){
let data1 = data0.fixedDelay;
if(typeof data1 === "string"){
if(func2(data1) > 64){
const err3 = {instancePath:instancePath+"/delay/fixedDelay",schemaPath:"#/definitions/Duration/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema31,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(!pattern0.test(data1)){
const err4 = {instancePath:instancePath+"/delay/fixedDelay",schemaPath:"#/definitions/Duration/pattern",keyword:"pattern",params:{pattern: "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"},message:"must match pattern \""+"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"+"\"",schema:"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$",parentSchema:schema31,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/delay/fixedDelay",schemaPath:"#/definitions/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.type,parentSchema:schema31,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data0.percentage !== undefined){
let data2 = data0.percentage;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.value === undefined){
const err6 = {instancePath:instancePath+"/delay/percentage",schemaPath:"#/definitions/Percent/required",keyword:"required",params:{missingProperty: "value"},message:"must have required property '"+"value"+"'",schema:schema36.required,parentSchema:schema36,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
for(const key2 in data2){
if(!(key2 === "value")){
const err7 = {instancePath:instancePath+"/delay/percentage",schemaPath:"#/definitions/Percent/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema36,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data2.value !== undefined){
let data3 = data2.value;
if((typeof data3 == "number") && (isFinite(data3))){
if(data3 > 100 || isNaN(data3)){
const err8 = {instancePath:instancePath+"/delay/percentage/value",schemaPath:"#/definitions/Percent/properties/value/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema36.properties.value,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
if(data3 < 0 || isNaN(data3)){
const err9 = {instancePath:instancePath+"/delay/percentage/value",schemaPath:"#/definitions/Percent/properties/value/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema36.properties.value,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/delay/percentage/value",schemaPath:"#/definitions/Percent/properties/value/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema36.properties.value.type,parentSchema:schema36.properties.value,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/delay/percentage",schemaPath:"#/definitions/Percent/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.type,parentSchema:schema36,data:data2};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
}
else {
const err12 = {instancePath:instancePath+"/delay",schemaPath:"#/properties/delay/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema34.properties.delay.type,parentSchema:schema34.properties.delay,data:data0};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.abort !== undefined){
let data4 = data.abort;
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
for(const key3 in data4){
if(!(((key3 === "httpStatus") || (key3 === "grpcStatus")) || (key3 === "percentage"))){
const err13 = {instancePath:instancePath+"/abort",schemaPath:"#/properties/abort/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema34.properties.abort,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data4.httpStatus !== undefined){
let data5 = data4.httpStatus;
if(!(((typeof data5 == "number") && (!(data5 % 1) && !isNaN(data5))) && (isFinite(data5)))){
const err14 = {instancePath:instancePath+"/abort/httpStatus",schemaPath:"#/properties/abort/properties/httpStatus/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema34.properties.abort.properties.httpStatus.type,parentSchema:schema34.properties.abort.properties.httpStatus,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
if((typeof data5 == "number") && (isFinite(data5))){
if(data5 > 599 || isNaN(data5)){
const err15 = {instancePath:instancePath+"/abort/httpStatus",schemaPath:"#/properties/abort/properties/httpStatus/maximum",keyword:"maximum",params:{comparison: "<=", limit: 599},message:"must be <= 599",schema:599,parentSchema:schema34.properties.abort.properties.httpStatus,data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if(data5 < 200 || isNaN(data5)){
const err16 = {instancePath:instancePath+"/abort/httpStatus",schemaPath:"#/properties/abort/properties/httpStatus/minimum",keyword:"minimum",params:{comparison: ">=", limit: 200},message:"must be >= 200",schema:200,parentSchema:schema34.properties.abort.properties.httpStatus,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
if(data4.grpcStatus !== undefined){
let data6 = data4.grpcStatus;
if(typeof data6 === "string"){
if(func2(data6) > 32){
const err17 = {instancePath:instancePath+"/abort/grpcStatus",schemaPath:"#/properties/abort/properties/grpcStatus/maxLength",keyword:"maxLength",params:{limit: 32},message:"must NOT have more than 32 characters",schema:32,parentSchema:schema34.properties.abort.properties.grpcStatus,data:data6};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/abort/grpcStatus",schemaPath:"#/properties/abort/properties/grpcStatus/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema34.properties.abort.properties.grpcStatus.type,parentSchema:schema34.properties.abort.properties.grpcStatus,data:data6};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
if(data4.percentage !== undefined){
let data7 = data4.percentage;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
if(data7.value === undefined){
const err19 = {instancePath:instancePath+"/abort/percentage",schemaPath:"#/definitions/Percent/required",keyword:"required",params:{missingProperty: "value"},message:"must have required property '"+"value"+"'",schema:schema36.required,parentSchema:schema36,data:data7};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
for(const key4 in data7){
if(!(key4 === "value")){
const err20 = {instancePath:instancePath+"/abort/percentage",schemaPath:"#/definitions/Percent/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema36,data:data7};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
if(data7.value !== undefined){
let data8 = data7.value;
if((typeof data8 == "number") && (isFinite(data8))){
if(data8 > 100 || isNaN(data8)){
const err21 = {instancePath:instancePath+"/abort/percentage/value",schemaPath:"#/definitions/Percent/properties/value/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema36.properties.value,data:data8};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
if(data8 < 0 || isNaN(data8)){
const err22 = {instancePath:instancePath+"/abort/percentage/value",schemaPath:"#/definitions/Percent/properties/value/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema36.properties.value,data:data8};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
else {
const err23 = {instancePath:instancePath+"/abort/percentage/value",schemaPath:"#/definitions/Percent/properties/value/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema36.properties.value.type,parentSchema:schema36.properties.value,data:data8};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
}
else {
const err24 = {instancePath:instancePath+"/abort/percentage",schemaPath:"#/definitions/Percent/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.type,parentSchema:schema36,data:data7};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
}
else {
const err25 = {instancePath:instancePath+"/abort",schemaPath:"#/properties/abort/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema34.properties.abort.type,parentSchema:schema34.properties.abort,data:data4};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
}
else {
const err26 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema34.type,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
validate23.errors = vErrors;
return errors === 0;
}

const schema39 = {"title":"HTTPMirrorPolicy","type":"object","additionalProperties":false,"required":["destination"],"properties":{"destination":{"$ref":"#/definitions/Destination"},"percentage":{"$ref":"#/definitions/Percent"}}};

function validate26(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.destination === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "destination"},message:"must have required property '"+"destination"+"'",schema:schema39.required,parentSchema:schema39,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((key0 === "destination") || (key0 === "percentage"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema39,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.destination !== undefined){
if(!(validate16(data.destination, {instancePath:instancePath+"/destination",parentData:data,parentDataProperty:"destination",rootData}))){
vErrors = vErrors === null ? validate16.errors : vErrors.concat(validate16.errors);
errors = vErrors.length;
}
}
if(data.percentage !== undefined){
let data1 = data.percentage;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
if(data1.value === undefined){
const err2 = {instancePath:instancePath+"/percentage",schemaPath:"#/definitions/Percent/required",keyword:"required",params:{missingProperty: "value"},message:"must have required property '"+"value"+"'",schema:schema36.required,parentSchema:schema36,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key1 in data1){
if(!(key1 === "value")){
const err3 = {instancePath:instancePath+"/percentage",schemaPath:"#/definitions/Percent/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema36,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data1.value !== undefined){
let data2 = data1.value;
if((typeof data2 == "number") && (isFinite(data2))){
if(data2 > 100 || isNaN(data2)){
const err4 = {instancePath:instancePath+"/percentage/value",schemaPath:"#/definitions/Percent/properties/value/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema36.properties.value,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(data2 < 0 || isNaN(data2)){
const err5 = {instancePath:instancePath+"/percentage/value",schemaPath:"#/definitions/Percent/properties/value/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema36.properties.value,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/percentage/value",schemaPath:"#/definitions/Percent/properties/value/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema36.properties.value.type,parentSchema:schema36.properties.value,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath:instancePath+"/percentage",schemaPath:"#/definitions/Percent/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.type,parentSchema:schema36,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema39.type,parentSchema:schema39,data};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
validate26.errors = vErrors;
return errors === 0;
}

const schema41 = {"title":"CorsPolicy","type":"object","additionalProperties":false,"properties":{"allowOrigins":{"type":"array","maxItems":64,"items":{"$ref":"#/definitions/StringMatch"}},"allowMethods":{"type":"array","maxItems":32,"items":{"type":"string","maxLength":32}},"allowHeaders":{"type":"array","maxItems":64,"items":{"type":"string","maxLength":256}},"exposeHeaders":{"type":"array","maxItems":64,"items":{"type":"string","maxLength":256}},"maxAge":{"$ref":"#/definitions/Duration"},"allowCredentials":{"type":"boolean"},"unmatchedPreflights":{"type":"string","enum":["FORWARD","IGNORE"]}}};

function validate29(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((((((key0 === "allowOrigins") || (key0 === "allowMethods")) || (key0 === "allowHeaders")) || (key0 === "exposeHeaders")) || (key0 === "maxAge")) || (key0 === "allowCredentials")) || (key0 === "unmatchedPreflights"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema41,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.allowOrigins !== undefined){
let data0 = data.allowOrigins;
if(Array.isArray(data0)){
if(data0.length > 64){
const err1 = {instancePath:instancePath+"/allowOrigins",schemaPath:"#/properties/allowOrigins/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema41.properties.allowOrigins,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
const len0 = data0.length;
for(let i0=0; i0<len0; i0++){
let data1 = data0[i0];
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
if(Object.keys(data1).length > 1){
const err2 = {instancePath:instancePath+"/allowOrigins/" + i0,schemaPath:"#/definitions/StringMatch/maxProperties",keyword:"maxProperties",params:{limit: 1},message:"must NOT have more than 1 properties",schema:1,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key1 in data1){
if(!(((key1 === "exact") || (key1 === "prefix")) || (key1 === "regex"))){
const err3 = {instancePath:instancePath+"/allowOrigins/" + i0,schemaPath:"#/definitions/StringMatch/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data1.exact !== undefined){
let data2 = data1.exact;
if(typeof data2 === "string"){
if(func2(data2) > 4096){
const err4 = {instancePath:instancePath+"/allowOrigins/" + i0+"/exact",schemaPath:"#/definitions/StringMatch/properties/exact/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.exact,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/allowOrigins/" + i0+"/exact",schemaPath:"#/definitions/StringMatch/properties/exact/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.exact.type,parentSchema:schema15.properties.exact,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data1.prefix !== undefined){
let data3 = data1.prefix;
if(typeof data3 === "string"){
if(func2(data3) > 4096){
const err6 = {instancePath:instancePath+"/allowOrigins/" + i0+"/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema15.properties.prefix,data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/allowOrigins/" + i0+"/prefix",schemaPath:"#/definitions/StringMatch/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.prefix.type,parentSchema:schema15.properties.prefix,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data1.regex !== undefined){
let data4 = data1.regex;
if(typeof data4 === "string"){
if(func2(data4) > 1024){
const err8 = {instancePath:instancePath+"/allowOrigins/" + i0+"/regex",schemaPath:"#/definitions/StringMatch/properties/regex/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema15.properties.regex,data:data4};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/allowOrigins/" + i0+"/regex",schemaPath:"#/definitions/StringMatch/properties/regex/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema15.properties.regex.type,parentSchema:schema15.properties.regex,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath:instancePath+"/allowOrigins/" + i0,schemaPath:"#/definitions/StringMatch/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema15.type,parentSchema:schema15,data:data1};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/allowOrigins",schemaPath:"#/properties/allowOrigins/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema41.properties.allowOrigins.type,parentSchema:schema41.properties.allowOrigins,data:data0};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.allowMethods !== undefined){
let data5 = data.allowMethods;
if(Array.isArray(data5)){
if(data5.length > 32){
const err12 = {instancePath:instancePath+"/allowMethods",schemaPath:"#/properties/allowMethods/maxItems",keyword:"maxItems",params:{limit: 32},message:"must NOT have more than 32 items",schema:32,parentSchema:schema41.properties.allowMethods,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
const len1 = data5.length;
for(let i1=0; i1<len1; i1++){
let data6 = data5[i1];
if(typeof data6 === "string"){
if(func2(data6) > 32){
const err13 = {instancePath:instancePath+"/allowMethods/" + i1,schemaPath:"#/properties/allowMethods/items/maxLength",keyword:"maxLength",params:{limit: 32},message:"must NOT have more than 32 characters",schema:32,parentSchema:schema41.properties.allowMethods.items,data:data6};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/allowMethods/" + i1,schemaPath:"#/properties/allowMethods/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema41.properties.allowMethods.items.type,parentSchema:schema41.properties.allowMethods.items,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
}
else {
const err15 = {instancePath:instancePath+"/allowMethods",schemaPath:"#/properties/allowMethods/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema41.properties.allowMethods.type,parentSchema:schema41.properties.allowMethods,data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data.allowHeaders !== undefined){
let data7 = data.allowHeaders;
if(Array.isArray(data7)){
if(data7.length > 64){
const err16 = {instancePath:instancePath+"/allowHeaders",schemaPath:"#/properties/allowHeaders/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema41.properties.allowHeaders,data:data7};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
const len2 = data7.length;
for(let i2=0; i2<len2; i2++){
let data8 = data7[i2];
if(typeof data8 === "string"){
if(func2(data8) > 256){
const err17 = {instancePath:instancePath+"/allowHeaders/" + i2,schemaPath:"#/properties/allowHeaders/items/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema41.properties.allowHeaders.items,data:data8};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/allowHeaders/" + i2,schemaPath:"#/properties/allowHeaders/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema41.properties.allowHeaders.items.type,parentSchema:schema41.properties.allowHeaders.items,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/allowHeaders",schemaPath:"#/properties/allowHeaders/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema41.properties.allowHeaders.type,parentSchema:schema41.properties.allowHeaders,data:data7};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data.exposeHeaders !== undefined){
let data9 = data.exposeHeaders;
if(Array.isArray(data9)){
if(data9.length > 64){
const err20 = {instancePath:instancePath+"/exposeHeaders",schemaPath:"#/properties/exposeHeaders/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema41.properties.exposeHeaders,data:data9};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
const len3 = data9.length;
for(let i3=0; i3<len3; i3++){
let data10 = data9[i3];
if(typeof data10 === "string"){
if(func2(data10) > 256){
const err21 = {instancePath:instancePath+"/exposeHeaders/" + i3,schemaPath:"#/properties/exposeHeaders/items/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema41.properties.exposeHeaders.items,data:data10};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
else {
const err22 = {instancePath:instancePath+"/exposeHeaders/" + i3,schemaPath:"#/properties/exposeHeaders/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema41.properties.exposeHeaders.items.type,parentSchema:schema41.properties.exposeHeaders.items,data:data10};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
}
else {
const err23 = {instancePath:instancePath+"/exposeHeaders",schemaPath:"#/properties/exposeHeaders/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema41.properties.exposeHeaders.type,parentSchema:schema41.properties.exposeHeaders,data:data9};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data.maxAge !== undefined){
let data11 = data.maxAge;
if(typeof data11 === "string"){
if(func2(data11) > 64){
const err24 = {instancePath:instancePath+"/maxAge",schemaPath:"#/definitions/Duration/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema31,data:data11};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if(!pattern0.test(data11)){
const err25 = {instancePath:instancePath+"/maxAge",schemaPath:"#/definitions/Duration/pattern",keyword:"pattern",params:{pattern: "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"},message:"must match pattern \""+"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"+"\"",schema:"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$",parentSchema:schema31,data:data11};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
else {
const err26 = {instancePath:instancePath+"/maxAge",schemaPath:"#/definitions/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.type,parentSchema:schema31,data:data11};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
if(data.allowCredentials !== undefined){
let data12 = data.allowCredentials;
if(typeof data12 !== "boolean"){
const err27 = {instancePath:instancePath+"/allowCredentials",schemaPath:"#/properties/allowCredentials/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema41.properties.allowCredentials.type,parentSchema:schema41.properties.allowCredentials,data:data12};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data.unmatchedPreflights !== undefined){
let data13 = data.unmatchedPreflights;
if(typeof data13 !== "string"){
const err28 = {instancePath:instancePath+"/unmatchedPreflights",schemaPath:"#/properties/unmatchedPreflights/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema41.properties.unmatchedPreflights.type,parentSchema:schema41.properties.unmatchedPreflights,data:data13};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
if(!((data13 === "FORWARD") || (data13 === "IGNORE"))){
const err29 = {instancePath:instancePath+"/unmatchedPreflights",schemaPath:"#/properties/unmatchedPreflights/enum",keyword:"enum",params:{allowedValues: schema41.properties.unmatchedPreflights.enum},message:"must be equal to one of the allowed values",schema:schema41.properties.unmatchedPreflights.enum,parentSchema:schema41.properties.unmatchedPreflights,data:data13};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
}
else {
const err30 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema41.type,parentSchema:schema41,data};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
validate29.errors = vErrors;
return errors === 0;
}


function validate12(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(func8.call(schema13.properties, key0))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema13,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.name !== undefined){
let data0 = data.name;
if(typeof data0 === "string"){
if(func2(data0) > 256){
const err1 = {instancePath:instancePath+"/name",schemaPath:"#/properties/name/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema13.properties.name,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
else {
const err2 = {instancePath:instancePath+"/name",schemaPath:"#/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema13.properties.name.type,parentSchema:schema13.properties.name,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.match !== undefined){
let data1 = data.match;
if(Array.isArray(data1)){
if(data1.length > 64){
const err3 = {instancePath:instancePath+"/match",schemaPath:"#/properties/match/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema13.properties.match,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
if(!(validate13(data1[i0], {instancePath:instancePath+"/match/" + i0,parentData:data1,parentDataProperty:i0,rootData}))){
vErrors = vErrors === null ? validate13.errors : vErrors.concat(validate13.errors);
errors = vErrors.length;
}
}
}
else {
const err4 = {instancePath:instancePath+"/match",schemaPath:"#/properties/match/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema13.properties.match.type,parentSchema:schema13.properties.match,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.route !== undefined){
let data3 = data.route;
if(Array.isArray(data3)){
if(data3.length > 64){
const err5 = {instancePath:instancePath+"/route",schemaPath:"#/properties/route/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema13.properties.route,data:data3};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
const len1 = data3.length;
for(let i1=0; i1<len1; i1++){
if(!(validate15(data3[i1], {instancePath:instancePath+"/route/" + i1,parentData:data3,parentDataProperty:i1,rootData}))){
vErrors = vErrors === null ? validate15.errors : vErrors.concat(validate15.errors);
errors = vErrors.length;
}
}
}
else {
const err6 = {instancePath:instancePath+"/route",schemaPath:"#/properties/route/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema13.properties.route.type,parentSchema:schema13.properties.route,data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.redirect !== undefined){
let data5 = data.redirect;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
for(const key1 in data5){
if(!((((((key1 === "uri") || (key1 === "authority")) || (key1 === "port")) || (key1 === "derivePort")) || (key1 === "scheme")) || (key1 === "redirectCode"))){
const err7 = {instancePath:instancePath+"/redirect",schemaPath:"#/definitions/HTTPRedirect/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema28,data:data5};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data5.uri !== undefined){
let data6 = data5.uri;
if(typeof data6 === "string"){
if(func2(data6) > 4096){
const err8 = {instancePath:instancePath+"/redirect/uri",schemaPath:"#/definitions/HTTPRedirect/properties/uri/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema28.properties.uri,data:data6};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/redirect/uri",schemaPath:"#/definitions/HTTPRedirect/properties/uri/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema28.properties.uri.type,parentSchema:schema28.properties.uri,data:data6};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data5.authority !== undefined){
let data7 = data5.authority;
if(typeof data7 === "string"){
if(func2(data7) > 253){
const err10 = {instancePath:instancePath+"/redirect/authority",schemaPath:"#/definitions/HTTPRedirect/properties/authority/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema28.properties.authority,data:data7};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/redirect/authority",schemaPath:"#/definitions/HTTPRedirect/properties/authority/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema28.properties.authority.type,parentSchema:schema28.properties.authority,data:data7};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data5.port !== undefined){
let data8 = data5.port;
if(!(((typeof data8 == "number") && (!(data8 % 1) && !isNaN(data8))) && (isFinite(data8)))){
const err12 = {instancePath:instancePath+"/redirect/port",schemaPath:"#/definitions/HTTPRedirect/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema28.properties.port.type,parentSchema:schema28.properties.port,data:data8};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
if((typeof data8 == "number") && (isFinite(data8))){
if(data8 > 65535 || isNaN(data8)){
const err13 = {instancePath:instancePath+"/redirect/port",schemaPath:"#/definitions/HTTPRedirect/properties/port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema28.properties.port,data:data8};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
if(data8 < 1 || isNaN(data8)){
const err14 = {instancePath:instancePath+"/redirect/port",schemaPath:"#/definitions/HTTPRedirect/properties/port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema28.properties.port,data:data8};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
}
if(data5.derivePort !== undefined){
let data9 = data5.derivePort;
if(typeof data9 !== "string"){
const err15 = {instancePath:instancePath+"/redirect/derivePort",schemaPath:"#/definitions/HTTPRedirect/properties/derivePort/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema28.properties.derivePort.type,parentSchema:schema28.properties.derivePort,data:data9};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if(!((data9 === "FROM_PROTOCOL_DEFAULT") || (data9 === "FROM_REQUEST_PORT"))){
const err16 = {instancePath:instancePath+"/redirect/derivePort",schemaPath:"#/definitions/HTTPRedirect/properties/derivePort/enum",keyword:"enum",params:{allowedValues: schema28.properties.derivePort.enum},message:"must be equal to one of the allowed values",schema:schema28.properties.derivePort.enum,parentSchema:schema28.properties.derivePort,data:data9};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data5.scheme !== undefined){
let data10 = data5.scheme;
if(typeof data10 !== "string"){
const err17 = {instancePath:instancePath+"/redirect/scheme",schemaPath:"#/definitions/HTTPRedirect/properties/scheme/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema28.properties.scheme.type,parentSchema:schema28.properties.scheme,data:data10};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
if(!((data10 === "http") || (data10 === "https"))){
const err18 = {instancePath:instancePath+"/redirect/scheme",schemaPath:"#/definitions/HTTPRedirect/properties/scheme/enum",keyword:"enum",params:{allowedValues: schema28.properties.scheme.enum},message:"must be equal to one of the allowed values",schema:schema28.properties.scheme.enum,parentSchema:schema28.properties.scheme,data:data10};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
if(data5.redirectCode !== undefined){
let data11 = data5.redirectCode;
if(!(((typeof data11 == "number") && (!(data11 % 1) && !isNaN(data11))) && (isFinite(data11)))){
const err19 = {instancePath:instancePath+"/redirect/redirectCode",schemaPath:"#/definitions/HTTPRedirect/properties/redirectCode/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema28.properties.redirectCode.type,parentSchema:schema28.properties.redirectCode,data:data11};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
if(!(((((data11 === 301) || (data11 === 302)) || (data11 === 303)) || (data11 === 307)) || (data11 === 308))){
const err20 = {instancePath:instancePath+"/redirect/redirectCode",schemaPath:"#/definitions/HTTPRedirect/properties/redirectCode/enum",keyword:"enum",params:{allowedValues: schema28.properties.redirectCode.enum},message:"must be equal to one of the allowed values",schema:schema28.properties.redirectCode.enum,parentSchema:schema28.properties.redirectCode,data:data11};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath:instancePath+"/redirect",schemaPath:"#/definitions/HTTPRedirect/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema28.type,parentSchema:schema28,data:data5};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.directResponse !== undefined){
let data12 = data.directResponse;
if(data12 && typeof data12 == "object" && !Array.isArray(data12)){
if(data12.status === undefined){
const err22 = {instancePath:instancePath+"/directResponse",schemaPath:"#/definitions/HTTPDirectResponse/required",keyword:"required",params:{missingProperty: "status"},message:"must have required property '"+"status"+"'",schema:schema29.required,parentSchema:schema29,data:data12};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
for(const key2 in data12){
if(!((key2 === "status") || (key2 === "body"))){
const err23 = {instancePath:instancePath+"/directResponse",schemaPath:"#/definitions/HTTPDirectResponse/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema29,data:data12};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data12.status !== undefined){
let data13 = data12.status;
if(!(((typeof data13 == "number") && (!(data13 % 1) && !isNaN(data13))) && (isFinite(data13)))){
const err24 = {instancePath:instancePath+"/directResponse/status",schemaPath:"#/definitions/HTTPDirectResponse/properties/status/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema29.properties.status.type,parentSchema:schema29.properties.status,data:data13};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if((typeof data13 == "number") && (isFinite(data13))){
if(data13 > 599 || isNaN(data13)){
const err25 = {instancePath:instancePath+"/directResponse/status",schemaPath:"#/definitions/HTTPDirectResponse/properties/status/maximum",keyword:"maximum",params:{comparison: "<=", limit: 599},message:"must be <= 599",schema:599,parentSchema:schema29.properties.status,data:data13};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
if(data13 < 200 || isNaN(data13)){
const err26 = {instancePath:instancePath+"/directResponse/status",schemaPath:"#/definitions/HTTPDirectResponse/properties/status/minimum",keyword:"minimum",params:{comparison: ">=", limit: 200},message:"must be >= 200",schema:200,parentSchema:schema29.properties.status,data:data13};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
}
if(data12.body !== undefined){
let data14 = data12.body;
if(data14 && typeof data14 == "object" && !Array.isArray(data14)){
if(Object.keys(data14).length > 1){
const err27 = {instancePath:instancePath+"/directResponse/body",schemaPath:"#/definitions/HTTPDirectResponse/properties/body/maxProperties",keyword:"maxProperties",params:{limit: 1},message:"must NOT have more than 1 properties",schema:1,parentSchema:schema29.properties.body,data:data14};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
for(const key3 in data14){
if(!((key3 === "string") || (key3 === "bytes"))){
const err28 = {instancePath:instancePath+"/directResponse/body",schemaPath:"#/definitions/HTTPDirectResponse/properties/body/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema29.properties.body,data:data14};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
if(data14.string !== undefined){
let data15 = data14.string;
if(typeof data15 === "string"){
if(func2(data15) > 65536){
const err29 = {instancePath:instancePath+"/directResponse/body/string",schemaPath:"#/definitions/HTTPDirectResponse/properties/body/properties/string/maxLength",keyword:"maxLength",params:{limit: 65536},message:"must NOT have more than 65536 characters",schema:65536,parentSchema:schema29.properties.body.properties.string,data:data15};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
else {
const err30 = {instancePath:instancePath+"/directResponse/body/string",schemaPath:"#/definitions/HTTPDirectResponse/properties/body/properties/string/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema29.properties.body.properties.string.type,parentSchema:schema29.properties.body.properties.string,data:data15};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
if(data14.bytes !== undefined){
let data16 = data14.bytes;
if(typeof data16 === "string"){
if(func2(data16) > 87384){
const err31 = {instancePath:instancePath+"/directResponse/body/bytes",schemaPath:"#/definitions/HTTPDirectResponse/properties/body/properties/bytes/maxLength",keyword:"maxLength",params:{limit: 87384},message:"must NOT have more than 87384 characters",schema:87384,parentSchema:schema29.properties.body.properties.bytes,data:data16};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
else {
const err32 = {instancePath:instancePath+"/directResponse/body/bytes",schemaPath:"#/definitions/HTTPDirectResponse/properties/body/properties/bytes/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema29.properties.body.properties.bytes.type,parentSchema:schema29.properties.body.properties.bytes,data:data16};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
}
else {
const err33 = {instancePath:instancePath+"/directResponse/body",schemaPath:"#/definitions/HTTPDirectResponse/properties/body/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema29.properties.body.type,parentSchema:schema29.properties.body,data:data14};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
}
else {
const err34 = {instancePath:instancePath+"/directResponse",schemaPath:"#/definitions/HTTPDirectResponse/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema29.type,parentSchema:schema29,data:data12};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
if(data.rewrite !== undefined){
let data17 = data.rewrite;
if(data17 && typeof data17 == "object" && !Array.isArray(data17)){
for(const key4 in data17){
if(!(((key4 === "uri") || (key4 === "authority")) || (key4 === "uriRegexRewrite"))){
const err35 = {instancePath:instancePath+"/rewrite",schemaPath:"#/definitions/HTTPRewrite/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema30,data:data17};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
if(data17.uri !== undefined){
let data18 = data17.uri;
if(typeof data18 === "string"){
if(func2(data18) > 4096){
const err36 = {instancePath:instancePath+"/rewrite/uri",schemaPath:"#/definitions/HTTPRewrite/properties/uri/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema30.properties.uri,data:data18};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
}
else {
const err37 = {instancePath:instancePath+"/rewrite/uri",schemaPath:"#/definitions/HTTPRewrite/properties/uri/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema30.properties.uri.type,parentSchema:schema30.properties.uri,data:data18};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
if(data17.authority !== undefined){
let data19 = data17.authority;
if(typeof data19 === "string"){
if(func2(data19) > 253){
const err38 = {instancePath:instancePath+"/rewrite/authority",schemaPath:"#/definitions/HTTPRewrite/properties/authority/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema30.properties.authority,data:data19};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
else {
const err39 = {instancePath:instancePath+"/rewrite/authority",schemaPath:"#/definitions/HTTPRewrite/properties/authority/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema30.properties.authority.type,parentSchema:schema30.properties.authority,data:data19};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
}
if(data17.uriRegexRewrite !== undefined){
let data20 = data17.uriRegexRewrite;
if(data20 && typeof data20 == "object" && !Array.isArray(data20)){
if(data20.match === undefined){
const err40 = {instancePath:instancePath+"/rewrite/uriRegexRewrite",schemaPath:"#/definitions/HTTPRewrite/properties/uriRegexRewrite/required",keyword:"required",params:{missingProperty: "match"},message:"must have required property '"+"match"+"'",schema:schema30.properties.uriRegexRewrite.required,parentSchema:schema30.properties.uriRegexRewrite,data:data20};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
if(data20.rewrite === undefined){
const err41 = {instancePath:instancePath+"/rewrite/uriRegexRewrite",schemaPath:"#/definitions/HTTPRewrite/properties/uriRegexRewrite/required",keyword:"required",params:{missingProperty: "rewrite"},message:"must have required property '"+"rewrite"+"'",schema:schema30.properties.uriRegexRewrite.required,parentSchema:schema30.properties.uriRegexRewrite,data:data20};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
for(const key5 in data20){
if(!((key5 === "match") || (key5 === "rewrite"))){
const err42 = {instancePath:instancePath+"/rewrite/uriRegexRewrite",schemaPath:"#/definitions/HTTPRewrite/properties/uriRegexRewrite/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key5},message:"must NOT have additional properties",schema:false,parentSchema:schema30.properties.uriRegexRewrite,data:data20};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
}
if(data20.match !== undefined){
let data21 = data20.match;
if(typeof data21 === "string"){
if(func2(data21) > 1024){
const err43 = {instancePath:instancePath+"/rewrite/uriRegexRewrite/match",schemaPath:"#/definitions/HTTPRewrite/properties/uriRegexRewrite/properties/match/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema30.properties.uriRegexRewrite.properties.match,data:data21};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
}
else {
const err44 = {instancePath:instancePath+"/rewrite/uriRegexRewrite/match",schemaPath:"#/definitions/HTTPRewrite/properties/uriRegexRewrite/properties/match/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema30.properties.uriRegexRewrite.properties.match.type,parentSchema:schema30.properties.uriRegexRewrite.properties.match,data:data21};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
}
if(data20.rewrite !== undefined){
let data22 = data20.rewrite;
if(typeof data22 === "string"){
if(func2(data22) > 4096){
const err45 = {instancePath:instancePath+"/rewrite/uriRegexRewrite/rewrite",schemaPath:"#/definitions/HTTPRewrite/properties/uriRegexRewrite/properties/rewrite/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema30.properties.uriRegexRewrite.properties.rewrite,data:data22};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
else {
const err46 = {instancePath:instancePath+"/rewrite/uriRegexRewrite/rewrite",schemaPath:"#/definitions/HTTPRewrite/properties/uriRegexRewrite/properties/rewrite/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema30.properties.uriRegexRewrite.properties.rewrite.type,parentSchema:schema30.properties.uriRegexRewrite.properties.rewrite,data:data22};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
}
}
else {
const err47 = {instancePath:instancePath+"/rewrite/uriRegexRewrite",schemaPath:"#/definitions/HTTPRewrite/properties/uriRegexRewrite/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema30.properties.uriRegexRewrite.type,parentSchema:schema30.properties.uriRegexRewrite,data:data20};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
}
}
else {
const err48 = {instancePath:instancePath+"/rewrite",schemaPath:"#/definitions/HTTPRewrite/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema30.type,parentSchema:schema30,data:data17};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
}
if(data.timeout !== undefined){
let data23 = data.timeout;
if(typeof data23 === "string"){
if(func2(data23) > 64){
const err49 = {instancePath:instancePath+"/timeout",schemaPath:"#/definitions/Duration/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema31,data:data23};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
if(!pattern0.test(data23)){
const err50 = {instancePath:instancePath+"/timeout",schemaPath:"#/definitions/Duration/pattern",keyword:"pattern",params:{pattern: "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"},message:"must match pattern \""+"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"+"\"",schema:"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$",parentSchema:schema31,data:data23};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
}
else {
const err51 = {instancePath:instancePath+"/timeout",schemaPath:"#/definitions/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.type,parentSchema:schema31,data:data23};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
}
if(data.retries !== undefined){
if(!(validate21(data.retries, {instancePath:instancePath+"/retries",parentData:data,parentDataProperty:"retries",rootData}))){
vErrors = vErrors === null ? validate21.errors : vErrors.concat(validate21.errors);
errors = vErrors.length;
}
}
if(data.fault !== undefined){
if(!(validate23(data.fault, {instancePath:instancePath+"/fault",parentData:data,parentDataProperty:"fault",rootData}))){
vErrors = vErrors === null ? validate23.errors : vErrors.concat(validate23.errors);
errors = vErrors.length;
}
}
if(data.mirror !== undefined){
if(!(validate16(data.mirror, {instancePath:instancePath+"/mirror",parentData:data,parentDataProperty:"mirror",rootData}))){
vErrors = vErrors === null ? validate16.errors : vErrors.concat(validate16.errors);
errors = vErrors.length;
}
}
if(data.mirrorPercentage !== undefined){
let data27 = data.mirrorPercentage;
if(data27 && typeof data27 == "object" && !Array.isArray(data27)){
if(data27.value === undefined){
const err52 = {instancePath:instancePath+"/mirrorPercentage",schemaPath:"#/definitions/Percent/required",keyword:"required",params:{missingProperty: "value"},message:"must have required property '"+"value"+"'",schema:schema36.required,parentSchema:schema36,data:data27};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
for(const key6 in data27){
if(!(key6 === "value")){
const err53 = {instancePath:instancePath+"/mirrorPercentage",schemaPath:"#/definitions/Percent/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key6},message:"must NOT have additional properties",schema:false,parentSchema:schema36,data:data27};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
}
if(data27.value !== undefined){
let data28 = data27.value;
if((typeof data28 == "number") && (isFinite(data28))){
if(data28 > 100 || isNaN(data28)){
const err54 = {instancePath:instancePath+"/mirrorPercentage/value",schemaPath:"#/definitions/Percent/properties/value/maximum",keyword:"maximum",params:{comparison: "<=", limit: 100},message:"must be <= 100",schema:100,parentSchema:schema36.properties.value,data:data28};
if(vErrors === null){
vErrors = [err54];
}
else {
vErrors.push(err54);
}
errors++;
}
if(data28 < 0 || isNaN(data28)){
const err55 = {instancePath:instancePath+"/mirrorPercentage/value",schemaPath:"#/definitions/Percent/properties/value/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema36.properties.value,data:data28};
if(vErrors === null){
vErrors = [err55];
}
else {
vErrors.push(err55);
}
errors++;
}
}
else {
const err56 = {instancePath:instancePath+"/mirrorPercentage/value",schemaPath:"#/definitions/Percent/properties/value/type",keyword:"type",params:{type: "number"},message:"must be number",schema:schema36.properties.value.type,parentSchema:schema36.properties.value,data:data28};
if(vErrors === null){
vErrors = [err56];
}
else {
vErrors.push(err56);
}
errors++;
}
}
}
else {
const err57 = {instancePath:instancePath+"/mirrorPercentage",schemaPath:"#/definitions/Percent/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema36.type,parentSchema:schema36,data:data27};
if(vErrors === null){
vErrors = [err57];
}
else {
vErrors.push(err57);
}
errors++;
}
}
if(data.mirrors !== undefined){
let data29 = data.mirrors;
if(Array.isArray(data29)){
if(data29.length > 16){
const err58 = {instancePath:instancePath+"/mirrors",schemaPath:"#/properties/mirrors/maxItems",keyword:"maxItems",params:{limit: 16},message:"must NOT have more than 16 items",schema:16,parentSchema:schema13.properties.mirrors,data:data29};
if(vErrors === null){
vErrors = [err58];
}
else {
vErrors.push(err58);
}
errors++;
}
const len2 = data29.length;
for(let i2=0; i2<len2; i2++){
if(!(validate26(data29[i2], {instancePath:instancePath+"/mirrors/" + i2,parentData:data29,parentDataProperty:i2,rootData}))){
vErrors = vErrors === null ? validate26.errors : vErrors.concat(validate26.errors);
errors = vErrors.length;
}
}
}
else {
const err59 = {instancePath:instancePath+"/mirrors",schemaPath:"#/properties/mirrors/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema13.properties.mirrors.type,parentSchema:schema13.properties.mirrors,data:data29};
if(vErrors === null){
vErrors = [err59];
}
else {
vErrors.push(err59);
}
errors++;
}
}
if(data.corsPolicy !== undefined){
if(!(validate29(data.corsPolicy, {instancePath:instancePath+"/corsPolicy",parentData:data,parentDataProperty:"corsPolicy",rootData}))){
vErrors = vErrors === null ? validate29.errors : vErrors.concat(validate29.errors);
errors = vErrors.length;
}
}
if(data.headers !== undefined){
if(!(validate18(data.headers, {instancePath:instancePath+"/headers",parentData:data,parentDataProperty:"headers",rootData}))){
vErrors = vErrors === null ? validate18.errors : vErrors.concat(validate18.errors);
errors = vErrors.length;
}
}
}
else {
const err60 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema13.type,parentSchema:schema13,data};
if(vErrors === null){
vErrors = [err60];
}
else {
vErrors.push(err60);
}
errors++;
}
validate12.errors = vErrors;
return errors === 0;
}


function validate11(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.hosts === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "hosts"},message:"must have required property '"+"hosts"+"'",schema:schema12.required,parentSchema:schema12,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "hosts") || (key0 === "gateways")) || (key0 === "exportTo")) || (key0 === "http"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema12,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.hosts !== undefined){
let data0 = data.hosts;
if(Array.isArray(data0)){
if(data0.length > 64){
const err2 = {instancePath:instancePath+"/hosts",schemaPath:"#/properties/hosts/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema12.properties.hosts,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data0.length < 1){
const err3 = {instancePath:instancePath+"/hosts",schemaPath:"#/properties/hosts/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema12.properties.hosts,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
const len0 = data0.length;
for(let i0=0; i0<len0; i0++){
let data1 = data0[i0];
if(typeof data1 === "string"){
if(func2(data1) > 253){
const err4 = {instancePath:instancePath+"/hosts/" + i0,schemaPath:"#/properties/hosts/items/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema12.properties.hosts.items,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(func2(data1) < 1){
const err5 = {instancePath:instancePath+"/hosts/" + i0,schemaPath:"#/properties/hosts/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema12.properties.hosts.items,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/hosts/" + i0,schemaPath:"#/properties/hosts/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties.hosts.items.type,parentSchema:schema12.properties.hosts.items,data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath:instancePath+"/hosts",schemaPath:"#/properties/hosts/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties.hosts.type,parentSchema:schema12.properties.hosts,data:data0};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.gateways !== undefined){
let data2 = data.gateways;
if(Array.isArray(data2)){
if(data2.length > 16){
const err8 = {instancePath:instancePath+"/gateways",schemaPath:"#/properties/gateways/maxItems",keyword:"maxItems",params:{limit: 16},message:"must NOT have more than 16 items",schema:16,parentSchema:schema12.properties.gateways,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
const len1 = data2.length;
for(let i1=0; i1<len1; i1++){
let data3 = data2[i1];
if(typeof data3 === "string"){
if(func2(data3) > 253){
const err9 = {instancePath:instancePath+"/gateways/" + i1,schemaPath:"#/properties/gateways/items/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema12.properties.gateways.items,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/gateways/" + i1,schemaPath:"#/properties/gateways/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties.gateways.items.type,parentSchema:schema12.properties.gateways.items,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/gateways",schemaPath:"#/properties/gateways/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties.gateways.type,parentSchema:schema12.properties.gateways,data:data2};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.exportTo !== undefined){
let data4 = data.exportTo;
if(Array.isArray(data4)){
if(data4.length > 64){
const err12 = {instancePath:instancePath+"/exportTo",schemaPath:"#/properties/exportTo/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema12.properties.exportTo,data:data4};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
const len2 = data4.length;
for(let i2=0; i2<len2; i2++){
let data5 = data4[i2];
if(typeof data5 === "string"){
if(func2(data5) > 63){
const err13 = {instancePath:instancePath+"/exportTo/" + i2,schemaPath:"#/properties/exportTo/items/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema12.properties.exportTo.items,data:data5};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/exportTo/" + i2,schemaPath:"#/properties/exportTo/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema12.properties.exportTo.items.type,parentSchema:schema12.properties.exportTo.items,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
}
else {
const err15 = {instancePath:instancePath+"/exportTo",schemaPath:"#/properties/exportTo/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties.exportTo.type,parentSchema:schema12.properties.exportTo,data:data4};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data.http !== undefined){
let data6 = data.http;
if(Array.isArray(data6)){
if(data6.length > 512){
const err16 = {instancePath:instancePath+"/http",schemaPath:"#/properties/http/maxItems",keyword:"maxItems",params:{limit: 512},message:"must NOT have more than 512 items",schema:512,parentSchema:schema12.properties.http,data:data6};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
const len3 = data6.length;
for(let i3=0; i3<len3; i3++){
if(!(validate12(data6[i3], {instancePath:instancePath+"/http/" + i3,parentData:data6,parentDataProperty:i3,rootData}))){
vErrors = vErrors === null ? validate12.errors : vErrors.concat(validate12.errors);
errors = vErrors.length;
}
}
}
else {
const err17 = {instancePath:instancePath+"/http",schemaPath:"#/properties/http/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema12.properties.http.type,parentSchema:schema12.properties.http,data:data6};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
}
else {
const err18 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema12.type,parentSchema:schema12,data};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
validate11.errors = vErrors;
return errors === 0;
}

const schema44 = {"title":"ResourceStatus","type":"object","additionalProperties":false,"properties":{"observedGeneration":{"type":"integer","minimum":0},"conditions":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/Condition"}}}};
const schema45 = {"title":"Condition","type":"object","additionalProperties":false,"required":["type","status"],"properties":{"type":{"type":"string","maxLength":316},"status":{"type":"string","enum":["True","False","Unknown"]},"reason":{"type":"string","maxLength":1024},"message":{"type":"string","maxLength":32768},"observedGeneration":{"type":"integer","minimum":0},"lastTransitionTime":{"type":"string","format":"date-time"}}};
const formats0 = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

function validate34(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((key0 === "observedGeneration") || (key0 === "conditions"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema44,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.observedGeneration !== undefined){
let data0 = data.observedGeneration;
if(!(((typeof data0 == "number") && (!(data0 % 1) && !isNaN(data0))) && (isFinite(data0)))){
const err1 = {instancePath:instancePath+"/observedGeneration",schemaPath:"#/properties/observedGeneration/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema44.properties.observedGeneration.type,parentSchema:schema44.properties.observedGeneration,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if((typeof data0 == "number") && (isFinite(data0))){
if(data0 < 0 || isNaN(data0)){
const err2 = {instancePath:instancePath+"/observedGeneration",schemaPath:"#/properties/observedGeneration/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema44.properties.observedGeneration,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
if(data.conditions !== undefined){
let data1 = data.conditions;
if(Array.isArray(data1)){
if(data1.length > 16){
const err3 = {instancePath:instancePath+"/conditions",schemaPath:"#/properties/conditions/maxItems",keyword:"maxItems",params:{limit: 16},message:"must NOT have more than 16 items",schema:16,parentSchema:schema44.properties.conditions,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
let data2 = data1[i0];
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.type === undefined){
const err4 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema45.required,parentSchema:schema45,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(data2.status === undefined){
const err5 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/required",keyword:"required",params:{missingProperty: "status"},message:"must have required property '"+"status"+"'",schema:schema45.required,parentSchema:schema45,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
for(const key1 in data2){
if(!((((((key1 === "type") || (key1 === "status")) || (key1 === "reason")) || (key1 === "message")) || (key1 === "observedGeneration")) || (key1 === "lastTransitionTime"))){
const err6 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema45,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data2.type !== undefined){
let data3 = data2.type;
if(typeof data3 === "string"){
if(func2(data3) > 316){
const err7 = {instancePath:instancePath+"/conditions/" + i0+"/type",schemaPath:"#/definitions/Condition/properties/type/maxLength",keyword:"maxLength",params:{limit: 316},message:"must NOT have more than 316 characters",schema:316,parentSchema:schema45.properties.type,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/conditions/" + i0+"/type",schemaPath:"#/definitions/Condition/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema45.properties.type.type,parentSchema:schema45.properties.type,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data2.status !== undefined){
let data4 = data2.status;
if(typeof data4 !== "string"){
const err9 = {instancePath:instancePath+"/conditions/" + i0+"/status",schemaPath:"#/definitions/Condition/properties/status/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema45.properties.status.type,parentSchema:schema45.properties.status,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(!(((data4 === "True") || (data4 === "False")) || (data4 === "Unknown"))){
const err10 = {instancePath:instancePath+"/conditions/" + i0+"/status",schemaPath:"#/definitions/Condition/properties/status/enum",keyword:"enum",params:{allowedValues: schema45.properties.status.enum},message:"must be equal to one of the allowed values",schema:schema45.properties.status.enum,parentSchema:schema45.properties.status,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data2.reason !== undefined){
let data5 = data2.reason;
if(typeof data5 === "string"){
if(func2(data5) > 1024){
const err11 = {instancePath:instancePath+"/conditions/" + i0+"/reason",schemaPath:"#/definitions/Condition/properties/reason/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema45.properties.reason,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/conditions/" + i0+"/reason",schemaPath:"#/definitions/Condition/properties/reason/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema45.properties.reason.type,parentSchema:schema45.properties.reason,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data2.message !== undefined){
let data6 = data2.message;
if(typeof data6 === "string"){
if(func2(data6) > 32768){
const err13 = {instancePath:instancePath+"/conditions/" + i0+"/message",schemaPath:"#/definitions/Condition/properties/message/maxLength",keyword:"maxLength",params:{limit: 32768},message:"must NOT have more than 32768 characters",schema:32768,parentSchema:schema45.properties.message,data:data6};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/conditions/" + i0+"/message",schemaPath:"#/definitions/Condition/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema45.properties.message.type,parentSchema:schema45.properties.message,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data2.observedGeneration !== undefined){
let data7 = data2.observedGeneration;
if(!(((typeof data7 == "number") && (!(data7 % 1) && !isNaN(data7))) && (isFinite(data7)))){
const err15 = {instancePath:instancePath+"/conditions/" + i0+"/observedGeneration",schemaPath:"#/definitions/Condition/properties/observedGeneration/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema45.properties.observedGeneration.type,parentSchema:schema45.properties.observedGeneration,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if((typeof data7 == "number") && (isFinite(data7))){
if(data7 < 0 || isNaN(data7)){
const err16 = {instancePath:instancePath+"/conditions/" + i0+"/observedGeneration",schemaPath:"#/definitions/Condition/properties/observedGeneration/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema45.properties.observedGeneration,data:data7};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
if(data2.lastTransitionTime !== undefined){
let data8 = data2.lastTransitionTime;
if(typeof data8 === "string"){
if(!(formats0.test(data8))){
const err17 = {instancePath:instancePath+"/conditions/" + i0+"/lastTransitionTime",schemaPath:"#/definitions/Condition/properties/lastTransitionTime/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\"",schema:"date-time",parentSchema:schema45.properties.lastTransitionTime,data:data8};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/conditions/" + i0+"/lastTransitionTime",schemaPath:"#/definitions/Condition/properties/lastTransitionTime/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema45.properties.lastTransitionTime.type,parentSchema:schema45.properties.lastTransitionTime,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema45.type,parentSchema:schema45,data:data2};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
}
else {
const err20 = {instancePath:instancePath+"/conditions",schemaPath:"#/properties/conditions/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema44.properties.conditions.type,parentSchema:schema44.properties.conditions,data:data1};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema44.type,parentSchema:schema44,data};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
validate34.errors = vErrors;
return errors === 0;
}


function validate10(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
/*# sourceURL="https://weft.dev/schemas/v1alpha1/virtualservice.json" */;
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.apiVersion === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "apiVersion"},message:"must have required property '"+"apiVersion"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.kind === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.metadata === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "metadata"},message:"must have required property '"+"metadata"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.spec === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "spec"},message:"must have required property '"+"spec"+"'",schema:schema11.required,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key0 in data){
if(!(((((key0 === "apiVersion") || (key0 === "kind")) || (key0 === "metadata")) || (key0 === "spec")) || (key0 === "status"))){
const err4 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.apiVersion !== undefined){
let data0 = data.apiVersion;
if(typeof data0 !== "string"){
const err5 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.apiVersion.type,parentSchema:schema11.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if("weft.dev/v1alpha1" !== data0){
const err6 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/const",keyword:"const",params:{allowedValue: "weft.dev/v1alpha1"},message:"must be equal to constant",schema:"weft.dev/v1alpha1",parentSchema:schema11.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.kind !== undefined){
let data1 = data.kind;
if(typeof data1 !== "string"){
const err7 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.kind.type,parentSchema:schema11.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if("VirtualService" !== data1){
const err8 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/const",keyword:"const",params:{allowedValue: "VirtualService"},message:"must be equal to constant",schema:"VirtualService",parentSchema:schema11.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.metadata !== undefined){
let data2 = data.metadata;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.name === undefined){
const err9 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema11.properties.metadata.required,parentSchema:schema11.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(data2.name !== undefined){
let data3 = data2.name;
if(typeof data3 === "string"){
if(func2(data3) > 253){
const err10 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/properties/metadata/properties/name/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema11.properties.metadata.properties.name,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/properties/metadata/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.metadata.properties.name.type,parentSchema:schema11.properties.metadata.properties.name,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data2.namespace !== undefined){
let data4 = data2.namespace;
if(typeof data4 === "string"){
if(func2(data4) > 63){
const err12 = {instancePath:instancePath+"/metadata/namespace",schemaPath:"#/properties/metadata/properties/namespace/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema11.properties.metadata.properties.namespace,data:data4};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/metadata/namespace",schemaPath:"#/properties/metadata/properties/namespace/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.metadata.properties.namespace.type,parentSchema:schema11.properties.metadata.properties.namespace,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data2.labels !== undefined){
let data5 = data2.labels;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(Object.keys(data5).length > 256){
const err14 = {instancePath:instancePath+"/metadata/labels",schemaPath:"#/properties/metadata/properties/labels/maxProperties",keyword:"maxProperties",params:{limit: 256},message:"must NOT have more than 256 properties",schema:256,parentSchema:schema11.properties.metadata.properties.labels,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
for(const key1 in data5){
let data6 = data5[key1];
if(typeof data6 !== "string"){
const err15 = {instancePath:instancePath+"/metadata/labels/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/metadata/properties/labels/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.metadata.properties.labels.additionalProperties.type,parentSchema:schema11.properties.metadata.properties.labels.additionalProperties,data:data6};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath:instancePath+"/metadata/labels",schemaPath:"#/properties/metadata/properties/labels/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.metadata.properties.labels.type,parentSchema:schema11.properties.metadata.properties.labels,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data2.annotations !== undefined){
let data7 = data2.annotations;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
if(Object.keys(data7).length > 256){
const err17 = {instancePath:instancePath+"/metadata/annotations",schemaPath:"#/properties/metadata/properties/annotations/maxProperties",keyword:"maxProperties",params:{limit: 256},message:"must NOT have more than 256 properties",schema:256,parentSchema:schema11.properties.metadata.properties.annotations,data:data7};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
for(const key2 in data7){
let data8 = data7[key2];
if(typeof data8 !== "string"){
const err18 = {instancePath:instancePath+"/metadata/annotations/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/metadata/properties/annotations/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema11.properties.metadata.properties.annotations.additionalProperties.type,parentSchema:schema11.properties.metadata.properties.annotations.additionalProperties,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/metadata/annotations",schemaPath:"#/properties/metadata/properties/annotations/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.metadata.properties.annotations.type,parentSchema:schema11.properties.metadata.properties.annotations,data:data7};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data2.generation !== undefined){
let data9 = data2.generation;
if(!(((typeof data9 == "number") && (!(data9 % 1) && !isNaN(data9))) && (isFinite(data9)))){
const err20 = {instancePath:instancePath+"/metadata/generation",schemaPath:"#/properties/metadata/properties/generation/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema11.properties.metadata.properties.generation.type,parentSchema:schema11.properties.metadata.properties.generation,data:data9};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.properties.metadata.type,parentSchema:schema11.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.spec !== undefined){
if(!(validate11(data.spec, {instancePath:instancePath+"/spec",parentData:data,parentDataProperty:"spec",rootData}))){
vErrors = vErrors === null ? validate11.errors : vErrors.concat(validate11.errors);
errors = vErrors.length;
}
}
if(data.status !== undefined){
if(!(validate34(data.status, {instancePath:instancePath+"/status",parentData:data,parentDataProperty:"status",rootData}))){
vErrors = vErrors === null ? validate34.errors : vErrors.concat(validate34.errors);
errors = vErrors.length;
}
}
}
else {
const err22 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema11.type,parentSchema:schema11,data};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
validate10.errors = vErrors;
return errors === 0;
}

export const validateAuthorizationPolicy = validate36;
const schema46 = {"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://weft.dev/schemas/v1alpha1/authorizationpolicy.json","title":"AuthorizationPolicy","description":"Who may call which workloads (Istio's AuthorizationPolicy semantics: DENY before ALLOW, no ALLOW policy means allow).","type":"object","required":["apiVersion","kind","metadata","spec"],"additionalProperties":false,"properties":{"apiVersion":{"type":"string","const":"weft.dev/v1alpha1"},"kind":{"type":"string","const":"AuthorizationPolicy"},"metadata":{"title":"ObjectMeta","type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":253},"namespace":{"type":"string","maxLength":63},"labels":{"type":"object","maxProperties":256,"additionalProperties":{"type":"string"}},"annotations":{"type":"object","maxProperties":256,"additionalProperties":{"type":"string"}},"generation":{"type":"integer"}},"additionalProperties":true},"spec":{"$ref":"#/definitions/AuthorizationPolicySpec"},"status":{"$ref":"#/definitions/ResourceStatus"}},"definitions":{"AuthorizationPolicySpec":{"title":"AuthorizationPolicySpec","type":"object","additionalProperties":false,"properties":{"selector":{"title":"WorkloadSelector","type":"object","additionalProperties":false,"properties":{"matchLabels":{"type":"object","maxProperties":64,"additionalProperties":{"type":"string","maxLength":63}}},"description":"Workloads in this namespace the policy applies to; absent means all of them (every namespace when in the root namespace)."},"action":{"type":"string","enum":["ALLOW","DENY","AUDIT"],"description":"ALLOW (default), DENY or AUDIT."},"rules":{"type":"array","maxItems":256,"items":{"$ref":"#/definitions/Rule"},"description":"Any one rule matches. Absent: an ALLOW policy matches nothing (denies all)."}}},"Rule":{"title":"Rule","type":"object","additionalProperties":false,"properties":{"from":{"type":"array","maxItems":64,"items":{"title":"RuleFrom","type":"object","additionalProperties":false,"properties":{"source":{"$ref":"#/definitions/Source"}}},"description":"Any one entry matches; absent means any source."},"to":{"type":"array","maxItems":64,"items":{"title":"RuleTo","type":"object","additionalProperties":false,"properties":{"operation":{"$ref":"#/definitions/Operation"}}},"description":"Any one entry matches; absent means any operation."},"when":{"type":"array","maxItems":64,"items":{"$ref":"#/definitions/AuthorizationCondition"},"description":"Every condition must match."}}},"Source":{"title":"Source","type":"object","additionalProperties":false,"properties":{"principals":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Peer identities from mTLS, as cluster.local/ns/NS/sa/SA; * and prefix*/*suffix allowed."},"notPrincipals":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Peer identities that must not match."},"requestPrincipals":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"JWT identities, as ISSUER/SUBJECT."},"notRequestPrincipals":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"JWT identities that must not match."},"namespaces":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Namespaces of the peer identity."},"notNamespaces":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Namespaces that must not match."},"ipBlocks":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":64},"description":"Source IPs or CIDRs of the connection."},"notIpBlocks":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":64},"description":"Source IPs or CIDRs that must not match."},"remoteIpBlocks":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":64},"description":"Original client IPs or CIDRs (X-Forwarded-For)."},"notRemoteIpBlocks":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":64},"description":"Original client IPs that must not match."}}},"Operation":{"title":"Operation","type":"object","additionalProperties":false,"properties":{"hosts":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Host header values."},"notHosts":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Host header values that must not match."},"ports":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":8},"description":"Destination ports, as strings."},"notPorts":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":8},"description":"Destination ports that must not match."},"methods":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":32},"description":"HTTP methods."},"notMethods":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":32},"description":"HTTP methods that must not match."},"paths":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":4096},"description":"Request paths: exact, prefix*, *suffix or *."},"notPaths":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":4096},"description":"Paths that must not match."}}},"AuthorizationCondition":{"title":"AuthorizationCondition","type":"object","additionalProperties":false,"required":["key"],"properties":{"key":{"type":"string","maxLength":512,"description":"An attribute such as request.headers[x-user], source.ip, request.auth.claims[groups]."},"values":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Any of these values matches."},"notValues":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"None of these values may match."}}},"ResourceStatus":{"title":"ResourceStatus","type":"object","additionalProperties":false,"properties":{"observedGeneration":{"type":"integer","minimum":0},"conditions":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/Condition"}}}},"Condition":{"title":"Condition","type":"object","additionalProperties":false,"required":["type","status"],"properties":{"type":{"type":"string","maxLength":316},"status":{"type":"string","enum":["True","False","Unknown"]},"reason":{"type":"string","maxLength":1024},"message":{"type":"string","maxLength":32768},"observedGeneration":{"type":"integer","minimum":0},"lastTransitionTime":{"type":"string","format":"date-time"}}}}};
const schema47 = {"title":"AuthorizationPolicySpec","type":"object","additionalProperties":false,"properties":{"selector":{"title":"WorkloadSelector","type":"object","additionalProperties":false,"properties":{"matchLabels":{"type":"object","maxProperties":64,"additionalProperties":{"type":"string","maxLength":63}}},"description":"Workloads in this namespace the policy applies to; absent means all of them (every namespace when in the root namespace)."},"action":{"type":"string","enum":["ALLOW","DENY","AUDIT"],"description":"ALLOW (default), DENY or AUDIT."},"rules":{"type":"array","maxItems":256,"items":{"$ref":"#/definitions/Rule"},"description":"Any one rule matches. Absent: an ALLOW policy matches nothing (denies all)."}}};
const schema48 = {"title":"Rule","type":"object","additionalProperties":false,"properties":{"from":{"type":"array","maxItems":64,"items":{"title":"RuleFrom","type":"object","additionalProperties":false,"properties":{"source":{"$ref":"#/definitions/Source"}}},"description":"Any one entry matches; absent means any source."},"to":{"type":"array","maxItems":64,"items":{"title":"RuleTo","type":"object","additionalProperties":false,"properties":{"operation":{"$ref":"#/definitions/Operation"}}},"description":"Any one entry matches; absent means any operation."},"when":{"type":"array","maxItems":64,"items":{"$ref":"#/definitions/AuthorizationCondition"},"description":"Every condition must match."}}};
const schema49 = {"title":"Source","type":"object","additionalProperties":false,"properties":{"principals":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Peer identities from mTLS, as cluster.local/ns/NS/sa/SA; * and prefix*/*suffix allowed."},"notPrincipals":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Peer identities that must not match."},"requestPrincipals":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"JWT identities, as ISSUER/SUBJECT."},"notRequestPrincipals":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"JWT identities that must not match."},"namespaces":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Namespaces of the peer identity."},"notNamespaces":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Namespaces that must not match."},"ipBlocks":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":64},"description":"Source IPs or CIDRs of the connection."},"notIpBlocks":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":64},"description":"Source IPs or CIDRs that must not match."},"remoteIpBlocks":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":64},"description":"Original client IPs or CIDRs (X-Forwarded-For)."},"notRemoteIpBlocks":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":64},"description":"Original client IPs that must not match."}}};
const schema50 = {"title":"Operation","type":"object","additionalProperties":false,"properties":{"hosts":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Host header values."},"notHosts":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Host header values that must not match."},"ports":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":8},"description":"Destination ports, as strings."},"notPorts":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":8},"description":"Destination ports that must not match."},"methods":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":32},"description":"HTTP methods."},"notMethods":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":32},"description":"HTTP methods that must not match."},"paths":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":4096},"description":"Request paths: exact, prefix*, *suffix or *."},"notPaths":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":4096},"description":"Paths that must not match."}}};
const schema51 = {"title":"AuthorizationCondition","type":"object","additionalProperties":false,"required":["key"],"properties":{"key":{"type":"string","maxLength":512,"description":"An attribute such as request.headers[x-user], source.ip, request.auth.claims[groups]."},"values":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"Any of these values matches."},"notValues":{"type":"array","maxItems":256,"items":{"type":"string","maxLength":512},"description":"None of these values may match."}}};

function validate38(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((key0 === "from") || (key0 === "to")) || (key0 === "when"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema48,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.from !== undefined){
let data0 = data.from;
if(Array.isArray(data0)){
if(data0.length > 64){
const err1 = {instancePath:instancePath+"/from",schemaPath:"#/properties/from/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema48.properties.from,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
const len0 = data0.length;
for(let i0=0; i0<len0; i0++){
let data1 = data0[i0];
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
for(const key1 in data1){
if(!(key1 === "source")){
const err2 = {instancePath:instancePath+"/from/" + i0,schemaPath:"#/properties/from/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema48.properties.from.items,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data1.source !== undefined){
let data2 = data1.source;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
for(const key2 in data2){
if(!(func8.call(schema49.properties, key2))){
const err3 = {instancePath:instancePath+"/from/" + i0+"/source",schemaPath:"#/definitions/Source/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema49,data:data2};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data2.principals !== undefined){
let data3 = data2.principals;
if(Array.isArray(data3)){
if(data3.length > 256){
const err4 = {instancePath:instancePath+"/from/" + i0+"/source/principals",schemaPath:"#/definitions/Source/properties/principals/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema49.properties.principals,data:data3};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
const len1 = data3.length;
for(let i1=0; i1<len1; i1++){
let data4 = data3[i1];
if(typeof data4 === "string"){
if(func2(data4) > 512){
const err5 = {instancePath:instancePath+"/from/" + i0+"/source/principals/" + i1,schemaPath:"#/definitions/Source/properties/principals/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema49.properties.principals.items,data:data4};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/from/" + i0+"/source/principals/" + i1,schemaPath:"#/definitions/Source/properties/principals/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema49.properties.principals.items.type,parentSchema:schema49.properties.principals.items,data:data4};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath:instancePath+"/from/" + i0+"/source/principals",schemaPath:"#/definitions/Source/properties/principals/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema49.properties.principals.type,parentSchema:schema49.properties.principals,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data2.notPrincipals !== undefined){
let data5 = data2.notPrincipals;
if(Array.isArray(data5)){
if(data5.length > 256){
const err8 = {instancePath:instancePath+"/from/" + i0+"/source/notPrincipals",schemaPath:"#/definitions/Source/properties/notPrincipals/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema49.properties.notPrincipals,data:data5};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
const len2 = data5.length;
for(let i2=0; i2<len2; i2++){
let data6 = data5[i2];
if(typeof data6 === "string"){
if(func2(data6) > 512){
const err9 = {instancePath:instancePath+"/from/" + i0+"/source/notPrincipals/" + i2,schemaPath:"#/definitions/Source/properties/notPrincipals/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema49.properties.notPrincipals.items,data:data6};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/from/" + i0+"/source/notPrincipals/" + i2,schemaPath:"#/definitions/Source/properties/notPrincipals/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema49.properties.notPrincipals.items.type,parentSchema:schema49.properties.notPrincipals.items,data:data6};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/from/" + i0+"/source/notPrincipals",schemaPath:"#/definitions/Source/properties/notPrincipals/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema49.properties.notPrincipals.type,parentSchema:schema49.properties.notPrincipals,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data2.requestPrincipals !== undefined){
let data7 = data2.requestPrincipals;
if(Array.isArray(data7)){
if(data7.length > 256){
const err12 = {instancePath:instancePath+"/from/" + i0+"/source/requestPrincipals",schemaPath:"#/definitions/Source/properties/requestPrincipals/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema49.properties.requestPrincipals,data:data7};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
const len3 = data7.length;
for(let i3=0; i3<len3; i3++){
let data8 = data7[i3];
if(typeof data8 === "string"){
if(func2(data8) > 512){
const err13 = {instancePath:instancePath+"/from/" + i0+"/source/requestPrincipals/" + i3,schemaPath:"#/definitions/Source/properties/requestPrincipals/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema49.properties.requestPrincipals.items,data:data8};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/from/" + i0+"/source/requestPrincipals/" + i3,schemaPath:"#/definitions/Source/properties/requestPrincipals/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema49.properties.requestPrincipals.items.type,parentSchema:schema49.properties.requestPrincipals.items,data:data8};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
}
else {
const err15 = {instancePath:instancePath+"/from/" + i0+"/source/requestPrincipals",schemaPath:"#/definitions/Source/properties/requestPrincipals/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema49.properties.requestPrincipals.type,parentSchema:schema49.properties.requestPrincipals,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data2.notRequestPrincipals !== undefined){
let data9 = data2.notRequestPrincipals;
if(Array.isArray(data9)){
if(data9.length > 256){
const err16 = {instancePath:instancePath+"/from/" + i0+"/source/notRequestPrincipals",schemaPath:"#/definitions/Source/properties/notRequestPrincipals/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema49.properties.notRequestPrincipals,data:data9};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
const len4 = data9.length;
for(let i4=0; i4<len4; i4++){
let data10 = data9[i4];
if(typeof data10 === "string"){
if(func2(data10) > 512){
const err17 = {instancePath:instancePath+"/from/" + i0+"/source/notRequestPrincipals/" + i4,schemaPath:"#/definitions/Source/properties/notRequestPrincipals/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema49.properties.notRequestPrincipals.items,data:data10};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/from/" + i0+"/source/notRequestPrincipals/" + i4,schemaPath:"#/definitions/Source/properties/notRequestPrincipals/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema49.properties.notRequestPrincipals.items.type,parentSchema:schema49.properties.notRequestPrincipals.items,data:data10};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/from/" + i0+"/source/notRequestPrincipals",schemaPath:"#/definitions/Source/properties/notRequestPrincipals/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema49.properties.notRequestPrincipals.type,parentSchema:schema49.properties.notRequestPrincipals,data:data9};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data2.namespaces !== undefined){
let data11 = data2.namespaces;
if(Array.isArray(data11)){
if(data11.length > 256){
const err20 = {instancePath:instancePath+"/from/" + i0+"/source/namespaces",schemaPath:"#/definitions/Source/properties/namespaces/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema49.properties.namespaces,data:data11};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
const len5 = data11.length;
for(let i5=0; i5<len5; i5++){
let data12 = data11[i5];
if(typeof data12 === "string"){
if(func2(data12) > 512){
const err21 = {instancePath:instancePath+"/from/" + i0+"/source/namespaces/" + i5,schemaPath:"#/definitions/Source/properties/namespaces/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema49.properties.namespaces.items,data:data12};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
else {
const err22 = {instancePath:instancePath+"/from/" + i0+"/source/namespaces/" + i5,schemaPath:"#/definitions/Source/properties/namespaces/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema49.properties.namespaces.items.type,parentSchema:schema49.properties.namespaces.items,data:data12};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
}
else {
const err23 = {instancePath:instancePath+"/from/" + i0+"/source/namespaces",schemaPath:"#/definitions/Source/properties/namespaces/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema49.properties.namespaces.type,parentSchema:schema49.properties.namespaces,data:data11};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data2.notNamespaces !== undefined){
let data13 = data2.notNamespaces;
if(Array.isArray(data13)){
if(data13.length > 256){
const err24 = {instancePath:instancePath+"/from/" + i0+"/source/notNamespaces",schemaPath:"#/definitions/Source/properties/notNamespaces/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema49.properties.notNamespaces,data:data13};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
const len6 = data13.length;
for(let i6=0; i6<len6; i6++){
let data14 = data13[i6];
if(typeof data14 === "string"){
if(func2(data14) > 512){
const err25 = {instancePath:instancePath+"/from/" + i0+"/source/notNamespaces/" + i6,schemaPath:"#/definitions/Source/properties/notNamespaces/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema49.properties.notNamespaces.items,data:data14};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
else {
const err26 = {instancePath:instancePath+"/from/" + i0+"/source/notNamespaces/" + i6,schemaPath:"#/definitions/Source/properties/notNamespaces/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema49.properties.notNamespaces.items.type,parentSchema:schema49.properties.notNamespaces.items,data:data14};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
}
else {
const err27 = {instancePath:instancePath+"/from/" + i0+"/source/notNamespaces",schemaPath:"#/definitions/Source/properties/notNamespaces/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema49.properties.notNamespaces.type,parentSchema:schema49.properties.notNamespaces,data:data13};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data2.ipBlocks !== undefined){
let data15 = data2.ipBlocks;
if(Array.isArray(data15)){
if(data15.length > 256){
const err28 = {instancePath:instancePath+"/from/" + i0+"/source/ipBlocks",schemaPath:"#/definitions/Source/properties/ipBlocks/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema49.properties.ipBlocks,data:data15};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
const len7 = data15.length;
for(let i7=0; i7<len7; i7++){
let data16 = data15[i7];
if(typeof data16 === "string"){
if(func2(data16) > 64){
const err29 = {instancePath:instancePath+"/from/" + i0+"/source/ipBlocks/" + i7,schemaPath:"#/definitions/Source/properties/ipBlocks/items/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema49.properties.ipBlocks.items,data:data16};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
else {
const err30 = {instancePath:instancePath+"/from/" + i0+"/source/ipBlocks/" + i7,schemaPath:"#/definitions/Source/properties/ipBlocks/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema49.properties.ipBlocks.items.type,parentSchema:schema49.properties.ipBlocks.items,data:data16};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
}
else {
const err31 = {instancePath:instancePath+"/from/" + i0+"/source/ipBlocks",schemaPath:"#/definitions/Source/properties/ipBlocks/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema49.properties.ipBlocks.type,parentSchema:schema49.properties.ipBlocks,data:data15};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
if(data2.notIpBlocks !== undefined){
let data17 = data2.notIpBlocks;
if(Array.isArray(data17)){
if(data17.length > 256){
const err32 = {instancePath:instancePath+"/from/" + i0+"/source/notIpBlocks",schemaPath:"#/definitions/Source/properties/notIpBlocks/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema49.properties.notIpBlocks,data:data17};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
const len8 = data17.length;
for(let i8=0; i8<len8; i8++){
let data18 = data17[i8];
if(typeof data18 === "string"){
if(func2(data18) > 64){
const err33 = {instancePath:instancePath+"/from/" + i0+"/source/notIpBlocks/" + i8,schemaPath:"#/definitions/Source/properties/notIpBlocks/items/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema49.properties.notIpBlocks.items,data:data18};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
else {
const err34 = {instancePath:instancePath+"/from/" + i0+"/source/notIpBlocks/" + i8,schemaPath:"#/definitions/Source/properties/notIpBlocks/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema49.properties.notIpBlocks.items.type,parentSchema:schema49.properties.notIpBlocks.items,data:data18};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
}
else {
const err35 = {instancePath:instancePath+"/from/" + i0+"/source/notIpBlocks",schemaPath:"#/definitions/Source/properties/notIpBlocks/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema49.properties.notIpBlocks.type,parentSchema:schema49.properties.notIpBlocks,data:data17};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
if(data2.remoteIpBlocks !== undefined){
let data19 = data2.remoteIpBlocks;
if(Array.isArray(data19)){
if(data19.length > 256){
const err36 = {instancePath:instancePath+"/from/" + i0+"/source/remoteIpBlocks",schemaPath:"#/definitions/Source/properties/remoteIpBlocks/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema49.properties.remoteIpBlocks,data:data19};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
const len9 = data19.length;
for(let i9=0; i9<len9; i9++){
let data20 = data19[i9];
if(typeof data20 === "string"){
if(func2(data20) > 64){
const err37 = {instancePath:instancePath+"/from/" + i0+"/source/remoteIpBlocks/" + i9,schemaPath:"#/definitions/Source/properties/remoteIpBlocks/items/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema49.properties.remoteIpBlocks.items,data:data20};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
else {
const err38 = {instancePath:instancePath+"/from/" + i0+"/source/remoteIpBlocks/" + i9,schemaPath:"#/definitions/Source/properties/remoteIpBlocks/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema49.properties.remoteIpBlocks.items.type,parentSchema:schema49.properties.remoteIpBlocks.items,data:data20};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
}
else {
const err39 = {instancePath:instancePath+"/from/" + i0+"/source/remoteIpBlocks",schemaPath:"#/definitions/Source/properties/remoteIpBlocks/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema49.properties.remoteIpBlocks.type,parentSchema:schema49.properties.remoteIpBlocks,data:data19};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
}
if(data2.notRemoteIpBlocks !== undefined){
let data21 = data2.notRemoteIpBlocks;
if(Array.isArray(data21)){
if(data21.length > 256){
const err40 = {instancePath:instancePath+"/from/" + i0+"/source/notRemoteIpBlocks",schemaPath:"#/definitions/Source/properties/notRemoteIpBlocks/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema49.properties.notRemoteIpBlocks,data:data21};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
const len10 = data21.length;
for(let i10=0; i10<len10; i10++){
let data22 = data21[i10];
if(typeof data22 === "string"){
if(func2(data22) > 64){
const err41 = {instancePath:instancePath+"/from/" + i0+"/source/notRemoteIpBlocks/" + i10,schemaPath:"#/definitions/Source/properties/notRemoteIpBlocks/items/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema49.properties.notRemoteIpBlocks.items,data:data22};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
}
else {
const err42 = {instancePath:instancePath+"/from/" + i0+"/source/notRemoteIpBlocks/" + i10,schemaPath:"#/definitions/Source/properties/notRemoteIpBlocks/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema49.properties.notRemoteIpBlocks.items.type,parentSchema:schema49.properties.notRemoteIpBlocks.items,data:data22};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
}
}
else {
const err43 = {instancePath:instancePath+"/from/" + i0+"/source/notRemoteIpBlocks",schemaPath:"#/definitions/Source/properties/notRemoteIpBlocks/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema49.properties.notRemoteIpBlocks.type,parentSchema:schema49.properties.notRemoteIpBlocks,data:data21};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
}
}
else {
const err44 = {instancePath:instancePath+"/from/" + i0+"/source",schemaPath:"#/definitions/Source/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema49.type,parentSchema:schema49,data:data2};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
}
}
else {
const err45 = {instancePath:instancePath+"/from/" + i0,schemaPath:"#/properties/from/items/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema48.properties.from.items.type,parentSchema:schema48.properties.from.items,data:data1};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
}
else {
const err46 = {instancePath:instancePath+"/from",schemaPath:"#/properties/from/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema48.properties.from.type,parentSchema:schema48.properties.from,data:data0};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
}
if(data.to !== undefined){
let data23 = data.to;
if(Array.isArray(data23)){
if(data23.length > 64){
const err47 = {instancePath:instancePath+"/to",schemaPath:"#/properties/to/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema48.properties.to,data:data23};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
const len11 = data23.length;
for(let i11=0; i11<len11; i11++){
let data24 = data23[i11];
if(data24 && typeof data24 == "object" && !Array.isArray(data24)){
for(const key3 in data24){
if(!(key3 === "operation")){
const err48 = {instancePath:instancePath+"/to/" + i11,schemaPath:"#/properties/to/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema48.properties.to.items,data:data24};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
}
if(data24.operation !== undefined){
let data25 = data24.operation;
if(data25 && typeof data25 == "object" && !Array.isArray(data25)){
for(const key4 in data25){
if(!((((((((key4 === "hosts") || (key4 === "notHosts")) || (key4 === "ports")) || (key4 === "notPorts")) || (key4 === "methods")) || (key4 === "notMethods")) || (key4 === "paths")) || (key4 === "notPaths"))){
const err49 = {instancePath:instancePath+"/to/" + i11+"/operation",schemaPath:"#/definitions/Operation/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema50,data:data25};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
}
if(data25.hosts !== undefined){
let data26 = data25.hosts;
if(Array.isArray(data26)){
if(data26.length > 256){
const err50 = {instancePath:instancePath+"/to/" + i11+"/operation/hosts",schemaPath:"#/definitions/Operation/properties/hosts/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema50.properties.hosts,data:data26};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
const len12 = data26.length;
for(let i12=0; i12<len12; i12++){
let data27 = data26[i12];
if(typeof data27 === "string"){
if(func2(data27) > 512){
const err51 = {instancePath:instancePath+"/to/" + i11+"/operation/hosts/" + i12,schemaPath:"#/definitions/Operation/properties/hosts/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema50.properties.hosts.items,data:data27};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
}
else {
const err52 = {instancePath:instancePath+"/to/" + i11+"/operation/hosts/" + i12,schemaPath:"#/definitions/Operation/properties/hosts/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.properties.hosts.items.type,parentSchema:schema50.properties.hosts.items,data:data27};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
}
}
else {
const err53 = {instancePath:instancePath+"/to/" + i11+"/operation/hosts",schemaPath:"#/definitions/Operation/properties/hosts/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema50.properties.hosts.type,parentSchema:schema50.properties.hosts,data:data26};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
}
if(data25.notHosts !== undefined){
let data28 = data25.notHosts;
if(Array.isArray(data28)){
if(data28.length > 256){
const err54 = {instancePath:instancePath+"/to/" + i11+"/operation/notHosts",schemaPath:"#/definitions/Operation/properties/notHosts/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema50.properties.notHosts,data:data28};
if(vErrors === null){
vErrors = [err54];
}
else {
vErrors.push(err54);
}
errors++;
}
const len13 = data28.length;
for(let i13=0; i13<len13; i13++){
let data29 = data28[i13];
if(typeof data29 === "string"){
if(func2(data29) > 512){
const err55 = {instancePath:instancePath+"/to/" + i11+"/operation/notHosts/" + i13,schemaPath:"#/definitions/Operation/properties/notHosts/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema50.properties.notHosts.items,data:data29};
if(vErrors === null){
vErrors = [err55];
}
else {
vErrors.push(err55);
}
errors++;
}
}
else {
const err56 = {instancePath:instancePath+"/to/" + i11+"/operation/notHosts/" + i13,schemaPath:"#/definitions/Operation/properties/notHosts/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.properties.notHosts.items.type,parentSchema:schema50.properties.notHosts.items,data:data29};
if(vErrors === null){
vErrors = [err56];
}
else {
vErrors.push(err56);
}
errors++;
}
}
}
else {
const err57 = {instancePath:instancePath+"/to/" + i11+"/operation/notHosts",schemaPath:"#/definitions/Operation/properties/notHosts/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema50.properties.notHosts.type,parentSchema:schema50.properties.notHosts,data:data28};
if(vErrors === null){
vErrors = [err57];
}
else {
vErrors.push(err57);
}
errors++;
}
}
if(data25.ports !== undefined){
let data30 = data25.ports;
if(Array.isArray(data30)){
if(data30.length > 256){
const err58 = {instancePath:instancePath+"/to/" + i11+"/operation/ports",schemaPath:"#/definitions/Operation/properties/ports/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema50.properties.ports,data:data30};
if(vErrors === null){
vErrors = [err58];
}
else {
vErrors.push(err58);
}
errors++;
}
const len14 = data30.length;
for(let i14=0; i14<len14; i14++){
let data31 = data30[i14];
if(typeof data31 === "string"){
if(func2(data31) > 8){
const err59 = {instancePath:instancePath+"/to/" + i11+"/operation/ports/" + i14,schemaPath:"#/definitions/Operation/properties/ports/items/maxLength",keyword:"maxLength",params:{limit: 8},message:"must NOT have more than 8 characters",schema:8,parentSchema:schema50.properties.ports.items,data:data31};
if(vErrors === null){
vErrors = [err59];
}
else {
vErrors.push(err59);
}
errors++;
}
}
else {
const err60 = {instancePath:instancePath+"/to/" + i11+"/operation/ports/" + i14,schemaPath:"#/definitions/Operation/properties/ports/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.properties.ports.items.type,parentSchema:schema50.properties.ports.items,data:data31};
if(vErrors === null){
vErrors = [err60];
}
else {
vErrors.push(err60);
}
errors++;
}
}
}
else {
const err61 = {instancePath:instancePath+"/to/" + i11+"/operation/ports",schemaPath:"#/definitions/Operation/properties/ports/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema50.properties.ports.type,parentSchema:schema50.properties.ports,data:data30};
if(vErrors === null){
vErrors = [err61];
}
else {
vErrors.push(err61);
}
errors++;
}
}
if(data25.notPorts !== undefined){
let data32 = data25.notPorts;
if(Array.isArray(data32)){
if(data32.length > 256){
const err62 = {instancePath:instancePath+"/to/" + i11+"/operation/notPorts",schemaPath:"#/definitions/Operation/properties/notPorts/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema50.properties.notPorts,data:data32};
if(vErrors === null){
vErrors = [err62];
}
else {
vErrors.push(err62);
}
errors++;
}
const len15 = data32.length;
for(let i15=0; i15<len15; i15++){
let data33 = data32[i15];
if(typeof data33 === "string"){
if(func2(data33) > 8){
const err63 = {instancePath:instancePath+"/to/" + i11+"/operation/notPorts/" + i15,schemaPath:"#/definitions/Operation/properties/notPorts/items/maxLength",keyword:"maxLength",params:{limit: 8},message:"must NOT have more than 8 characters",schema:8,parentSchema:schema50.properties.notPorts.items,data:data33};
if(vErrors === null){
vErrors = [err63];
}
else {
vErrors.push(err63);
}
errors++;
}
}
else {
const err64 = {instancePath:instancePath+"/to/" + i11+"/operation/notPorts/" + i15,schemaPath:"#/definitions/Operation/properties/notPorts/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.properties.notPorts.items.type,parentSchema:schema50.properties.notPorts.items,data:data33};
if(vErrors === null){
vErrors = [err64];
}
else {
vErrors.push(err64);
}
errors++;
}
}
}
else {
const err65 = {instancePath:instancePath+"/to/" + i11+"/operation/notPorts",schemaPath:"#/definitions/Operation/properties/notPorts/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema50.properties.notPorts.type,parentSchema:schema50.properties.notPorts,data:data32};
if(vErrors === null){
vErrors = [err65];
}
else {
vErrors.push(err65);
}
errors++;
}
}
if(data25.methods !== undefined){
let data34 = data25.methods;
if(Array.isArray(data34)){
if(data34.length > 256){
const err66 = {instancePath:instancePath+"/to/" + i11+"/operation/methods",schemaPath:"#/definitions/Operation/properties/methods/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema50.properties.methods,data:data34};
if(vErrors === null){
vErrors = [err66];
}
else {
vErrors.push(err66);
}
errors++;
}
const len16 = data34.length;
for(let i16=0; i16<len16; i16++){
let data35 = data34[i16];
if(typeof data35 === "string"){
if(func2(data35) > 32){
const err67 = {instancePath:instancePath+"/to/" + i11+"/operation/methods/" + i16,schemaPath:"#/definitions/Operation/properties/methods/items/maxLength",keyword:"maxLength",params:{limit: 32},message:"must NOT have more than 32 characters",schema:32,parentSchema:schema50.properties.methods.items,data:data35};
if(vErrors === null){
vErrors = [err67];
}
else {
vErrors.push(err67);
}
errors++;
}
}
else {
const err68 = {instancePath:instancePath+"/to/" + i11+"/operation/methods/" + i16,schemaPath:"#/definitions/Operation/properties/methods/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.properties.methods.items.type,parentSchema:schema50.properties.methods.items,data:data35};
if(vErrors === null){
vErrors = [err68];
}
else {
vErrors.push(err68);
}
errors++;
}
}
}
else {
const err69 = {instancePath:instancePath+"/to/" + i11+"/operation/methods",schemaPath:"#/definitions/Operation/properties/methods/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema50.properties.methods.type,parentSchema:schema50.properties.methods,data:data34};
if(vErrors === null){
vErrors = [err69];
}
else {
vErrors.push(err69);
}
errors++;
}
}
if(data25.notMethods !== undefined){
let data36 = data25.notMethods;
if(Array.isArray(data36)){
if(data36.length > 256){
const err70 = {instancePath:instancePath+"/to/" + i11+"/operation/notMethods",schemaPath:"#/definitions/Operation/properties/notMethods/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema50.properties.notMethods,data:data36};
if(vErrors === null){
vErrors = [err70];
}
else {
vErrors.push(err70);
}
errors++;
}
const len17 = data36.length;
for(let i17=0; i17<len17; i17++){
let data37 = data36[i17];
if(typeof data37 === "string"){
if(func2(data37) > 32){
const err71 = {instancePath:instancePath+"/to/" + i11+"/operation/notMethods/" + i17,schemaPath:"#/definitions/Operation/properties/notMethods/items/maxLength",keyword:"maxLength",params:{limit: 32},message:"must NOT have more than 32 characters",schema:32,parentSchema:schema50.properties.notMethods.items,data:data37};
if(vErrors === null){
vErrors = [err71];
}
else {
vErrors.push(err71);
}
errors++;
}
}
else {
const err72 = {instancePath:instancePath+"/to/" + i11+"/operation/notMethods/" + i17,schemaPath:"#/definitions/Operation/properties/notMethods/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.properties.notMethods.items.type,parentSchema:schema50.properties.notMethods.items,data:data37};
if(vErrors === null){
vErrors = [err72];
}
else {
vErrors.push(err72);
}
errors++;
}
}
}
else {
const err73 = {instancePath:instancePath+"/to/" + i11+"/operation/notMethods",schemaPath:"#/definitions/Operation/properties/notMethods/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema50.properties.notMethods.type,parentSchema:schema50.properties.notMethods,data:data36};
if(vErrors === null){
vErrors = [err73];
}
else {
vErrors.push(err73);
}
errors++;
}
}
if(data25.paths !== undefined){
let data38 = data25.paths;
if(Array.isArray(data38)){
if(data38.length > 256){
const err74 = {instancePath:instancePath+"/to/" + i11+"/operation/paths",schemaPath:"#/definitions/Operation/properties/paths/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema50.properties.paths,data:data38};
if(vErrors === null){
vErrors = [err74];
}
else {
vErrors.push(err74);
}
errors++;
}
const len18 = data38.length;
for(let i18=0; i18<len18; i18++){
let data39 = data38[i18];
if(typeof data39 === "string"){
if(func2(data39) > 4096){
const err75 = {instancePath:instancePath+"/to/" + i11+"/operation/paths/" + i18,schemaPath:"#/definitions/Operation/properties/paths/items/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema50.properties.paths.items,data:data39};
if(vErrors === null){
vErrors = [err75];
}
else {
vErrors.push(err75);
}
errors++;
}
}
else {
const err76 = {instancePath:instancePath+"/to/" + i11+"/operation/paths/" + i18,schemaPath:"#/definitions/Operation/properties/paths/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.properties.paths.items.type,parentSchema:schema50.properties.paths.items,data:data39};
if(vErrors === null){
vErrors = [err76];
}
else {
vErrors.push(err76);
}
errors++;
}
}
}
else {
const err77 = {instancePath:instancePath+"/to/" + i11+"/operation/paths",schemaPath:"#/definitions/Operation/properties/paths/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema50.properties.paths.type,parentSchema:schema50.properties.paths,data:data38};
if(vErrors === null){
vErrors = [err77];
}
else {
vErrors.push(err77);
}
errors++;
}
}
if(data25.notPaths !== undefined){
let data40 = data25.notPaths;
if(Array.isArray(data40)){
if(data40.length > 256){
const err78 = {instancePath:instancePath+"/to/" + i11+"/operation/notPaths",schemaPath:"#/definitions/Operation/properties/notPaths/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema50.properties.notPaths,data:data40};
if(vErrors === null){
vErrors = [err78];
}
else {
vErrors.push(err78);
}
errors++;
}
const len19 = data40.length;
for(let i19=0; i19<len19; i19++){
let data41 = data40[i19];
if(typeof data41 === "string"){
if(func2(data41) > 4096){
const err79 = {instancePath:instancePath+"/to/" + i11+"/operation/notPaths/" + i19,schemaPath:"#/definitions/Operation/properties/notPaths/items/maxLength",keyword:"maxLength",params:{limit: 4096},message:"must NOT have more than 4096 characters",schema:4096,parentSchema:schema50.properties.notPaths.items,data:data41};
if(vErrors === null){
vErrors = [err79];
}
else {
vErrors.push(err79);
}
errors++;
}
}
else {
const err80 = {instancePath:instancePath+"/to/" + i11+"/operation/notPaths/" + i19,schemaPath:"#/definitions/Operation/properties/notPaths/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema50.properties.notPaths.items.type,parentSchema:schema50.properties.notPaths.items,data:data41};
if(vErrors === null){
vErrors = [err80];
}
else {
vErrors.push(err80);
}
errors++;
}
}
}
else {
const err81 = {instancePath:instancePath+"/to/" + i11+"/operation/notPaths",schemaPath:"#/definitions/Operation/properties/notPaths/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema50.properties.notPaths.type,parentSchema:schema50.properties.notPaths,data:data40};
if(vErrors === null){
vErrors = [err81];
}
else {
vErrors.push(err81);
}
errors++;
}
}
}
else {
const err82 = {instancePath:instancePath+"/to/" + i11+"/operation",schemaPath:"#/definitions/Operation/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema50.type,parentSchema:schema50,data:data25};
if(vErrors === null){
vErrors = [err82];
}
else {
vErrors.push(err82);
}
errors++;
}
}
}
else {
const err83 = {instancePath:instancePath+"/to/" + i11,schemaPath:"#/properties/to/items/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema48.properties.to.items.type,parentSchema:schema48.properties.to.items,data:data24};
if(vErrors === null){
vErrors = [err83];
}
else {
vErrors.push(err83);
}
errors++;
}
}
}
else {
const err84 = {instancePath:instancePath+"/to",schemaPath:"#/properties/to/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema48.properties.to.type,parentSchema:schema48.properties.to,data:data23};
if(vErrors === null){
vErrors = [err84];
}
else {
vErrors.push(err84);
}
errors++;
}
}
if(data.when !== undefined){
let data42 = data.when;
if(Array.isArray(data42)){
if(data42.length > 64){
const err85 = {instancePath:instancePath+"/when",schemaPath:"#/properties/when/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema48.properties.when,data:data42};
if(vErrors === null){
vErrors = [err85];
}
else {
vErrors.push(err85);
}
errors++;
}
const len20 = data42.length;
for(let i20=0; i20<len20; i20++){
let data43 = data42[i20];
if(data43 && typeof data43 == "object" && !Array.isArray(data43)){
if(data43.key === undefined){
const err86 = {instancePath:instancePath+"/when/" + i20,schemaPath:"#/definitions/AuthorizationCondition/required",keyword:"required",params:{missingProperty: "key"},message:"must have required property '"+"key"+"'",schema:schema51.required,parentSchema:schema51,data:data43};
if(vErrors === null){
vErrors = [err86];
}
else {
vErrors.push(err86);
}
errors++;
}
for(const key5 in data43){
if(!(((key5 === "key") || (key5 === "values")) || (key5 === "notValues"))){
const err87 = {instancePath:instancePath+"/when/" + i20,schemaPath:"#/definitions/AuthorizationCondition/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key5},message:"must NOT have additional properties",schema:false,parentSchema:schema51,data:data43};
if(vErrors === null){
vErrors = [err87];
}
else {
vErrors.push(err87);
}
errors++;
}
}
if(data43.key !== undefined){
let data44 = data43.key;
if(typeof data44 === "string"){
if(func2(data44) > 512){
const err88 = {instancePath:instancePath+"/when/" + i20+"/key",schemaPath:"#/definitions/AuthorizationCondition/properties/key/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema51.properties.key,data:data44};
if(vErrors === null){
vErrors = [err88];
}
else {
vErrors.push(err88);
}
errors++;
}
}
else {
const err89 = {instancePath:instancePath+"/when/" + i20+"/key",schemaPath:"#/definitions/AuthorizationCondition/properties/key/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema51.properties.key.type,parentSchema:schema51.properties.key,data:data44};
if(vErrors === null){
vErrors = [err89];
}
else {
vErrors.push(err89);
}
errors++;
}
}
if(data43.values !== undefined){
let data45 = data43.values;
if(Array.isArray(data45)){
if(data45.length > 256){
const err90 = {instancePath:instancePath+"/when/" + i20+"/values",schemaPath:"#/definitions/AuthorizationCondition/properties/values/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema51.properties.values,data:data45};
if(vErrors === null){
vErrors = [err90];
}
else {
vErrors.push(err90);
}
errors++;
}
const len21 = data45.length;
for(let i21=0; i21<len21; i21++){
let data46 = data45[i21];
if(typeof data46 === "string"){
if(func2(data46) > 512){
const err91 = {instancePath:instancePath+"/when/" + i20+"/values/" + i21,schemaPath:"#/definitions/AuthorizationCondition/properties/values/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema51.properties.values.items,data:data46};
if(vErrors === null){
vErrors = [err91];
}
else {
vErrors.push(err91);
}
errors++;
}
}
else {
const err92 = {instancePath:instancePath+"/when/" + i20+"/values/" + i21,schemaPath:"#/definitions/AuthorizationCondition/properties/values/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema51.properties.values.items.type,parentSchema:schema51.properties.values.items,data:data46};
if(vErrors === null){
vErrors = [err92];
}
else {
vErrors.push(err92);
}
errors++;
}
}
}
else {
const err93 = {instancePath:instancePath+"/when/" + i20+"/values",schemaPath:"#/definitions/AuthorizationCondition/properties/values/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema51.properties.values.type,parentSchema:schema51.properties.values,data:data45};
if(vErrors === null){
vErrors = [err93];
}
else {
vErrors.push(err93);
}
errors++;
}
}
if(data43.notValues !== undefined){
let data47 = data43.notValues;
if(Array.isArray(data47)){
if(data47.length > 256){
const err94 = {instancePath:instancePath+"/when/" + i20+"/notValues",schemaPath:"#/definitions/AuthorizationCondition/properties/notValues/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema51.properties.notValues,data:data47};
if(vErrors === null){
vErrors = [err94];
}
else {
vErrors.push(err94);
}
errors++;
}
const len22 = data47.length;
for(let i22=0; i22<len22; i22++){
let data48 = data47[i22];
if(typeof data48 === "string"){
if(func2(data48) > 512){
const err95 = {instancePath:instancePath+"/when/" + i20+"/notValues/" + i22,schemaPath:"#/definitions/AuthorizationCondition/properties/notValues/items/maxLength",keyword:"maxLength",params:{limit: 512},message:"must NOT have more than 512 characters",schema:512,parentSchema:schema51.properties.notValues.items,data:data48};
if(vErrors === null){
vErrors = [err95];
}
else {
vErrors.push(err95);
}
errors++;
}
}
else {
const err96 = {instancePath:instancePath+"/when/" + i20+"/notValues/" + i22,schemaPath:"#/definitions/AuthorizationCondition/properties/notValues/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema51.properties.notValues.items.type,parentSchema:schema51.properties.notValues.items,data:data48};
if(vErrors === null){
vErrors = [err96];
}
else {
vErrors.push(err96);
}
errors++;
}
}
}
else {
const err97 = {instancePath:instancePath+"/when/" + i20+"/notValues",schemaPath:"#/definitions/AuthorizationCondition/properties/notValues/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema51.properties.notValues.type,parentSchema:schema51.properties.notValues,data:data47};
if(vErrors === null){
vErrors = [err97];
}
else {
vErrors.push(err97);
}
errors++;
}
}
}
else {
const err98 = {instancePath:instancePath+"/when/" + i20,schemaPath:"#/definitions/AuthorizationCondition/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema51.type,parentSchema:schema51,data:data43};
if(vErrors === null){
vErrors = [err98];
}
else {
vErrors.push(err98);
}
errors++;
}
}
}
else {
const err99 = {instancePath:instancePath+"/when",schemaPath:"#/properties/when/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema48.properties.when.type,parentSchema:schema48.properties.when,data:data42};
if(vErrors === null){
vErrors = [err99];
}
else {
vErrors.push(err99);
}
errors++;
}
}
}
else {
const err100 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema48.type,parentSchema:schema48,data};
if(vErrors === null){
vErrors = [err100];
}
else {
vErrors.push(err100);
}
errors++;
}
validate38.errors = vErrors;
return errors === 0;
}


function validate37(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((key0 === "selector") || (key0 === "action")) || (key0 === "rules"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema47,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.selector !== undefined){
let data0 = data.selector;
if(data0 && typeof data0 == "object" && !Array.isArray(data0)){
for(const key1 in data0){
if(!(key1 === "matchLabels")){
const err1 = {instancePath:instancePath+"/selector",schemaPath:"#/properties/selector/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema47.properties.selector,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data0.matchLabels !== undefined){
let data1 = data0.matchLabels;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
if(Object.keys(data1).length > 64){
const err2 = {instancePath:instancePath+"/selector/matchLabels",schemaPath:"#/properties/selector/properties/matchLabels/maxProperties",keyword:"maxProperties",params:{limit: 64},message:"must NOT have more than 64 properties",schema:64,parentSchema:schema47.properties.selector.properties.matchLabels,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key2 in data1){
let data2 = data1[key2];
if(typeof data2 === "string"){
if(func2(data2) > 63){
const err3 = {instancePath:instancePath+"/selector/matchLabels/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/selector/properties/matchLabels/additionalProperties/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema47.properties.selector.properties.matchLabels.additionalProperties,data:data2};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/selector/matchLabels/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/selector/properties/matchLabels/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema47.properties.selector.properties.matchLabels.additionalProperties.type,parentSchema:schema47.properties.selector.properties.matchLabels.additionalProperties,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
}
else {
const err5 = {instancePath:instancePath+"/selector/matchLabels",schemaPath:"#/properties/selector/properties/matchLabels/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema47.properties.selector.properties.matchLabels.type,parentSchema:schema47.properties.selector.properties.matchLabels,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath:instancePath+"/selector",schemaPath:"#/properties/selector/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema47.properties.selector.type,parentSchema:schema47.properties.selector,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.action !== undefined){
let data3 = data.action;
if(typeof data3 !== "string"){
const err7 = {instancePath:instancePath+"/action",schemaPath:"#/properties/action/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema47.properties.action.type,parentSchema:schema47.properties.action,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if(!(((data3 === "ALLOW") || (data3 === "DENY")) || (data3 === "AUDIT"))){
const err8 = {instancePath:instancePath+"/action",schemaPath:"#/properties/action/enum",keyword:"enum",params:{allowedValues: schema47.properties.action.enum},message:"must be equal to one of the allowed values",schema:schema47.properties.action.enum,parentSchema:schema47.properties.action,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.rules !== undefined){
let data4 = data.rules;
if(Array.isArray(data4)){
if(data4.length > 256){
const err9 = {instancePath:instancePath+"/rules",schemaPath:"#/properties/rules/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items",schema:256,parentSchema:schema47.properties.rules,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
const len0 = data4.length;
for(let i0=0; i0<len0; i0++){
if(!(validate38(data4[i0], {instancePath:instancePath+"/rules/" + i0,parentData:data4,parentDataProperty:i0,rootData}))){
vErrors = vErrors === null ? validate38.errors : vErrors.concat(validate38.errors);
errors = vErrors.length;
}
}
}
else {
const err10 = {instancePath:instancePath+"/rules",schemaPath:"#/properties/rules/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema47.properties.rules.type,parentSchema:schema47.properties.rules,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema47.type,parentSchema:schema47,data};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
validate37.errors = vErrors;
return errors === 0;
}

const schema52 = {"title":"ResourceStatus","type":"object","additionalProperties":false,"properties":{"observedGeneration":{"type":"integer","minimum":0},"conditions":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/Condition"}}}};
const schema53 = {"title":"Condition","type":"object","additionalProperties":false,"required":["type","status"],"properties":{"type":{"type":"string","maxLength":316},"status":{"type":"string","enum":["True","False","Unknown"]},"reason":{"type":"string","maxLength":1024},"message":{"type":"string","maxLength":32768},"observedGeneration":{"type":"integer","minimum":0},"lastTransitionTime":{"type":"string","format":"date-time"}}};

function validate41(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((key0 === "observedGeneration") || (key0 === "conditions"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema52,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.observedGeneration !== undefined){
let data0 = data.observedGeneration;
if(!(((typeof data0 == "number") && (!(data0 % 1) && !isNaN(data0))) && (isFinite(data0)))){
const err1 = {instancePath:instancePath+"/observedGeneration",schemaPath:"#/properties/observedGeneration/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema52.properties.observedGeneration.type,parentSchema:schema52.properties.observedGeneration,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if((typeof data0 == "number") && (isFinite(data0))){
if(data0 < 0 || isNaN(data0)){
const err2 = {instancePath:instancePath+"/observedGeneration",schemaPath:"#/properties/observedGeneration/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema52.properties.observedGeneration,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
if(data.conditions !== undefined){
let data1 = data.conditions;
if(Array.isArray(data1)){
if(data1.length > 16){
const err3 = {instancePath:instancePath+"/conditions",schemaPath:"#/properties/conditions/maxItems",keyword:"maxItems",params:{limit: 16},message:"must NOT have more than 16 items",schema:16,parentSchema:schema52.properties.conditions,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
let data2 = data1[i0];
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.type === undefined){
const err4 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema53.required,parentSchema:schema53,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(data2.status === undefined){
const err5 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/required",keyword:"required",params:{missingProperty: "status"},message:"must have required property '"+"status"+"'",schema:schema53.required,parentSchema:schema53,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
for(const key1 in data2){
if(!((((((key1 === "type") || (key1 === "status")) || (key1 === "reason")) || (key1 === "message")) || (key1 === "observedGeneration")) || (key1 === "lastTransitionTime"))){
const err6 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema53,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data2.type !== undefined){
let data3 = data2.type;
if(typeof data3 === "string"){
if(func2(data3) > 316){
const err7 = {instancePath:instancePath+"/conditions/" + i0+"/type",schemaPath:"#/definitions/Condition/properties/type/maxLength",keyword:"maxLength",params:{limit: 316},message:"must NOT have more than 316 characters",schema:316,parentSchema:schema53.properties.type,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/conditions/" + i0+"/type",schemaPath:"#/definitions/Condition/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema53.properties.type.type,parentSchema:schema53.properties.type,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data2.status !== undefined){
let data4 = data2.status;
if(typeof data4 !== "string"){
const err9 = {instancePath:instancePath+"/conditions/" + i0+"/status",schemaPath:"#/definitions/Condition/properties/status/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema53.properties.status.type,parentSchema:schema53.properties.status,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(!(((data4 === "True") || (data4 === "False")) || (data4 === "Unknown"))){
const err10 = {instancePath:instancePath+"/conditions/" + i0+"/status",schemaPath:"#/definitions/Condition/properties/status/enum",keyword:"enum",params:{allowedValues: schema53.properties.status.enum},message:"must be equal to one of the allowed values",schema:schema53.properties.status.enum,parentSchema:schema53.properties.status,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data2.reason !== undefined){
let data5 = data2.reason;
if(typeof data5 === "string"){
if(func2(data5) > 1024){
const err11 = {instancePath:instancePath+"/conditions/" + i0+"/reason",schemaPath:"#/definitions/Condition/properties/reason/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema53.properties.reason,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/conditions/" + i0+"/reason",schemaPath:"#/definitions/Condition/properties/reason/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema53.properties.reason.type,parentSchema:schema53.properties.reason,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data2.message !== undefined){
let data6 = data2.message;
if(typeof data6 === "string"){
if(func2(data6) > 32768){
const err13 = {instancePath:instancePath+"/conditions/" + i0+"/message",schemaPath:"#/definitions/Condition/properties/message/maxLength",keyword:"maxLength",params:{limit: 32768},message:"must NOT have more than 32768 characters",schema:32768,parentSchema:schema53.properties.message,data:data6};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/conditions/" + i0+"/message",schemaPath:"#/definitions/Condition/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema53.properties.message.type,parentSchema:schema53.properties.message,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data2.observedGeneration !== undefined){
let data7 = data2.observedGeneration;
if(!(((typeof data7 == "number") && (!(data7 % 1) && !isNaN(data7))) && (isFinite(data7)))){
const err15 = {instancePath:instancePath+"/conditions/" + i0+"/observedGeneration",schemaPath:"#/definitions/Condition/properties/observedGeneration/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema53.properties.observedGeneration.type,parentSchema:schema53.properties.observedGeneration,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if((typeof data7 == "number") && (isFinite(data7))){
if(data7 < 0 || isNaN(data7)){
const err16 = {instancePath:instancePath+"/conditions/" + i0+"/observedGeneration",schemaPath:"#/definitions/Condition/properties/observedGeneration/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema53.properties.observedGeneration,data:data7};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
if(data2.lastTransitionTime !== undefined){
let data8 = data2.lastTransitionTime;
if(typeof data8 === "string"){
if(!(formats0.test(data8))){
const err17 = {instancePath:instancePath+"/conditions/" + i0+"/lastTransitionTime",schemaPath:"#/definitions/Condition/properties/lastTransitionTime/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\"",schema:"date-time",parentSchema:schema53.properties.lastTransitionTime,data:data8};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/conditions/" + i0+"/lastTransitionTime",schemaPath:"#/definitions/Condition/properties/lastTransitionTime/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema53.properties.lastTransitionTime.type,parentSchema:schema53.properties.lastTransitionTime,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema53.type,parentSchema:schema53,data:data2};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
}
else {
const err20 = {instancePath:instancePath+"/conditions",schemaPath:"#/properties/conditions/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema52.properties.conditions.type,parentSchema:schema52.properties.conditions,data:data1};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema52.type,parentSchema:schema52,data};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
validate41.errors = vErrors;
return errors === 0;
}


function validate36(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
/*# sourceURL="https://weft.dev/schemas/v1alpha1/authorizationpolicy.json" */;
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.apiVersion === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "apiVersion"},message:"must have required property '"+"apiVersion"+"'",schema:schema46.required,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.kind === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema46.required,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.metadata === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "metadata"},message:"must have required property '"+"metadata"+"'",schema:schema46.required,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.spec === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "spec"},message:"must have required property '"+"spec"+"'",schema:schema46.required,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key0 in data){
if(!(((((key0 === "apiVersion") || (key0 === "kind")) || (key0 === "metadata")) || (key0 === "spec")) || (key0 === "status"))){
const err4 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.apiVersion !== undefined){
let data0 = data.apiVersion;
if(typeof data0 !== "string"){
const err5 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema46.properties.apiVersion.type,parentSchema:schema46.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if("weft.dev/v1alpha1" !== data0){
const err6 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/const",keyword:"const",params:{allowedValue: "weft.dev/v1alpha1"},message:"must be equal to constant",schema:"weft.dev/v1alpha1",parentSchema:schema46.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.kind !== undefined){
let data1 = data.kind;
if(typeof data1 !== "string"){
const err7 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema46.properties.kind.type,parentSchema:schema46.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if("AuthorizationPolicy" !== data1){
const err8 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/const",keyword:"const",params:{allowedValue: "AuthorizationPolicy"},message:"must be equal to constant",schema:"AuthorizationPolicy",parentSchema:schema46.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.metadata !== undefined){
let data2 = data.metadata;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.name === undefined){
const err9 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema46.properties.metadata.required,parentSchema:schema46.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(data2.name !== undefined){
let data3 = data2.name;
if(typeof data3 === "string"){
if(func2(data3) > 253){
const err10 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/properties/metadata/properties/name/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema46.properties.metadata.properties.name,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/properties/metadata/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema46.properties.metadata.properties.name.type,parentSchema:schema46.properties.metadata.properties.name,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data2.namespace !== undefined){
let data4 = data2.namespace;
if(typeof data4 === "string"){
if(func2(data4) > 63){
const err12 = {instancePath:instancePath+"/metadata/namespace",schemaPath:"#/properties/metadata/properties/namespace/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema46.properties.metadata.properties.namespace,data:data4};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/metadata/namespace",schemaPath:"#/properties/metadata/properties/namespace/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema46.properties.metadata.properties.namespace.type,parentSchema:schema46.properties.metadata.properties.namespace,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data2.labels !== undefined){
let data5 = data2.labels;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(Object.keys(data5).length > 256){
const err14 = {instancePath:instancePath+"/metadata/labels",schemaPath:"#/properties/metadata/properties/labels/maxProperties",keyword:"maxProperties",params:{limit: 256},message:"must NOT have more than 256 properties",schema:256,parentSchema:schema46.properties.metadata.properties.labels,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
for(const key1 in data5){
let data6 = data5[key1];
if(typeof data6 !== "string"){
const err15 = {instancePath:instancePath+"/metadata/labels/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/metadata/properties/labels/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema46.properties.metadata.properties.labels.additionalProperties.type,parentSchema:schema46.properties.metadata.properties.labels.additionalProperties,data:data6};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath:instancePath+"/metadata/labels",schemaPath:"#/properties/metadata/properties/labels/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema46.properties.metadata.properties.labels.type,parentSchema:schema46.properties.metadata.properties.labels,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data2.annotations !== undefined){
let data7 = data2.annotations;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
if(Object.keys(data7).length > 256){
const err17 = {instancePath:instancePath+"/metadata/annotations",schemaPath:"#/properties/metadata/properties/annotations/maxProperties",keyword:"maxProperties",params:{limit: 256},message:"must NOT have more than 256 properties",schema:256,parentSchema:schema46.properties.metadata.properties.annotations,data:data7};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
for(const key2 in data7){
let data8 = data7[key2];
if(typeof data8 !== "string"){
const err18 = {instancePath:instancePath+"/metadata/annotations/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/metadata/properties/annotations/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema46.properties.metadata.properties.annotations.additionalProperties.type,parentSchema:schema46.properties.metadata.properties.annotations.additionalProperties,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/metadata/annotations",schemaPath:"#/properties/metadata/properties/annotations/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema46.properties.metadata.properties.annotations.type,parentSchema:schema46.properties.metadata.properties.annotations,data:data7};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data2.generation !== undefined){
let data9 = data2.generation;
if(!(((typeof data9 == "number") && (!(data9 % 1) && !isNaN(data9))) && (isFinite(data9)))){
const err20 = {instancePath:instancePath+"/metadata/generation",schemaPath:"#/properties/metadata/properties/generation/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema46.properties.metadata.properties.generation.type,parentSchema:schema46.properties.metadata.properties.generation,data:data9};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema46.properties.metadata.type,parentSchema:schema46.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.spec !== undefined){
if(!(validate37(data.spec, {instancePath:instancePath+"/spec",parentData:data,parentDataProperty:"spec",rootData}))){
vErrors = vErrors === null ? validate37.errors : vErrors.concat(validate37.errors);
errors = vErrors.length;
}
}
if(data.status !== undefined){
if(!(validate41(data.status, {instancePath:instancePath+"/status",parentData:data,parentDataProperty:"status",rootData}))){
vErrors = vErrors === null ? validate41.errors : vErrors.concat(validate41.errors);
errors = vErrors.length;
}
}
}
else {
const err22 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema46.type,parentSchema:schema46,data};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
validate36.errors = vErrors;
return errors === 0;
}

export const validateTrafficSplit = validate43;
const schema54 = {"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://weft.dev/schemas/v1alpha1/trafficsplit.json","title":"TrafficSplit","description":"A weighted split of traffic for a root Service across backend Services (the SMI TrafficSplit shape).","type":"object","required":["apiVersion","kind","metadata","spec"],"additionalProperties":false,"properties":{"apiVersion":{"type":"string","const":"weft.dev/v1alpha1"},"kind":{"type":"string","const":"TrafficSplit"},"metadata":{"title":"ObjectMeta","type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":253},"namespace":{"type":"string","maxLength":63},"labels":{"type":"object","maxProperties":256,"additionalProperties":{"type":"string"}},"annotations":{"type":"object","maxProperties":256,"additionalProperties":{"type":"string"}},"generation":{"type":"integer"}},"additionalProperties":true},"spec":{"$ref":"#/definitions/TrafficSplitSpec"},"status":{"$ref":"#/definitions/ResourceStatus"}},"definitions":{"TrafficSplitSpec":{"title":"TrafficSplitSpec","type":"object","additionalProperties":false,"required":["service","backends"],"properties":{"service":{"type":"string","maxLength":253,"description":"The root Service clients call: short name or FQDN.","minLength":1},"backends":{"type":"array","maxItems":64,"items":{"title":"TrafficSplitBackend","type":"object","additionalProperties":false,"required":["service","weight"],"properties":{"service":{"type":"string","maxLength":253,"description":"A backend Service in the same namespace.","minLength":1},"weight":{"type":"integer","minimum":0,"maximum":2147483647,"description":"Relative weight."}}},"minItems":1,"description":"Where the root Service's traffic goes."},"matches":{"type":"array","maxItems":16,"items":{"title":"TrafficSplitMatch","type":"object","additionalProperties":false,"required":["kind","name"],"properties":{"kind":{"type":"string","enum":["HTTPRouteGroup"]},"name":{"type":"string","maxLength":253},"apiGroup":{"type":"string","maxLength":253}}},"description":"Optional HTTPRouteGroup references; the split applies only to matching requests."}}},"ResourceStatus":{"title":"ResourceStatus","type":"object","additionalProperties":false,"properties":{"observedGeneration":{"type":"integer","minimum":0},"conditions":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/Condition"}}}},"Condition":{"title":"Condition","type":"object","additionalProperties":false,"required":["type","status"],"properties":{"type":{"type":"string","maxLength":316},"status":{"type":"string","enum":["True","False","Unknown"]},"reason":{"type":"string","maxLength":1024},"message":{"type":"string","maxLength":32768},"observedGeneration":{"type":"integer","minimum":0},"lastTransitionTime":{"type":"string","format":"date-time"}}}}};
const schema55 = {"title":"TrafficSplitSpec","type":"object","additionalProperties":false,"required":["service","backends"],"properties":{"service":{"type":"string","maxLength":253,"description":"The root Service clients call: short name or FQDN.","minLength":1},"backends":{"type":"array","maxItems":64,"items":{"title":"TrafficSplitBackend","type":"object","additionalProperties":false,"required":["service","weight"],"properties":{"service":{"type":"string","maxLength":253,"description":"A backend Service in the same namespace.","minLength":1},"weight":{"type":"integer","minimum":0,"maximum":2147483647,"description":"Relative weight."}}},"minItems":1,"description":"Where the root Service's traffic goes."},"matches":{"type":"array","maxItems":16,"items":{"title":"TrafficSplitMatch","type":"object","additionalProperties":false,"required":["kind","name"],"properties":{"kind":{"type":"string","enum":["HTTPRouteGroup"]},"name":{"type":"string","maxLength":253},"apiGroup":{"type":"string","maxLength":253}}},"description":"Optional HTTPRouteGroup references; the split applies only to matching requests."}}};
const schema56 = {"title":"ResourceStatus","type":"object","additionalProperties":false,"properties":{"observedGeneration":{"type":"integer","minimum":0},"conditions":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/Condition"}}}};
const schema57 = {"title":"Condition","type":"object","additionalProperties":false,"required":["type","status"],"properties":{"type":{"type":"string","maxLength":316},"status":{"type":"string","enum":["True","False","Unknown"]},"reason":{"type":"string","maxLength":1024},"message":{"type":"string","maxLength":32768},"observedGeneration":{"type":"integer","minimum":0},"lastTransitionTime":{"type":"string","format":"date-time"}}};

function validate44(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((key0 === "observedGeneration") || (key0 === "conditions"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema56,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.observedGeneration !== undefined){
let data0 = data.observedGeneration;
if(!(((typeof data0 == "number") && (!(data0 % 1) && !isNaN(data0))) && (isFinite(data0)))){
const err1 = {instancePath:instancePath+"/observedGeneration",schemaPath:"#/properties/observedGeneration/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema56.properties.observedGeneration.type,parentSchema:schema56.properties.observedGeneration,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if((typeof data0 == "number") && (isFinite(data0))){
if(data0 < 0 || isNaN(data0)){
const err2 = {instancePath:instancePath+"/observedGeneration",schemaPath:"#/properties/observedGeneration/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema56.properties.observedGeneration,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
if(data.conditions !== undefined){
let data1 = data.conditions;
if(Array.isArray(data1)){
if(data1.length > 16){
const err3 = {instancePath:instancePath+"/conditions",schemaPath:"#/properties/conditions/maxItems",keyword:"maxItems",params:{limit: 16},message:"must NOT have more than 16 items",schema:16,parentSchema:schema56.properties.conditions,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
let data2 = data1[i0];
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.type === undefined){
const err4 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema57.required,parentSchema:schema57,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(data2.status === undefined){
const err5 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/required",keyword:"required",params:{missingProperty: "status"},message:"must have required property '"+"status"+"'",schema:schema57.required,parentSchema:schema57,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
for(const key1 in data2){
if(!((((((key1 === "type") || (key1 === "status")) || (key1 === "reason")) || (key1 === "message")) || (key1 === "observedGeneration")) || (key1 === "lastTransitionTime"))){
const err6 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema57,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data2.type !== undefined){
let data3 = data2.type;
if(typeof data3 === "string"){
if(func2(data3) > 316){
const err7 = {instancePath:instancePath+"/conditions/" + i0+"/type",schemaPath:"#/definitions/Condition/properties/type/maxLength",keyword:"maxLength",params:{limit: 316},message:"must NOT have more than 316 characters",schema:316,parentSchema:schema57.properties.type,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/conditions/" + i0+"/type",schemaPath:"#/definitions/Condition/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema57.properties.type.type,parentSchema:schema57.properties.type,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data2.status !== undefined){
let data4 = data2.status;
if(typeof data4 !== "string"){
const err9 = {instancePath:instancePath+"/conditions/" + i0+"/status",schemaPath:"#/definitions/Condition/properties/status/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema57.properties.status.type,parentSchema:schema57.properties.status,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(!(((data4 === "True") || (data4 === "False")) || (data4 === "Unknown"))){
const err10 = {instancePath:instancePath+"/conditions/" + i0+"/status",schemaPath:"#/definitions/Condition/properties/status/enum",keyword:"enum",params:{allowedValues: schema57.properties.status.enum},message:"must be equal to one of the allowed values",schema:schema57.properties.status.enum,parentSchema:schema57.properties.status,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data2.reason !== undefined){
let data5 = data2.reason;
if(typeof data5 === "string"){
if(func2(data5) > 1024){
const err11 = {instancePath:instancePath+"/conditions/" + i0+"/reason",schemaPath:"#/definitions/Condition/properties/reason/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema57.properties.reason,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/conditions/" + i0+"/reason",schemaPath:"#/definitions/Condition/properties/reason/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema57.properties.reason.type,parentSchema:schema57.properties.reason,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data2.message !== undefined){
let data6 = data2.message;
if(typeof data6 === "string"){
if(func2(data6) > 32768){
const err13 = {instancePath:instancePath+"/conditions/" + i0+"/message",schemaPath:"#/definitions/Condition/properties/message/maxLength",keyword:"maxLength",params:{limit: 32768},message:"must NOT have more than 32768 characters",schema:32768,parentSchema:schema57.properties.message,data:data6};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/conditions/" + i0+"/message",schemaPath:"#/definitions/Condition/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema57.properties.message.type,parentSchema:schema57.properties.message,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data2.observedGeneration !== undefined){
let data7 = data2.observedGeneration;
if(!(((typeof data7 == "number") && (!(data7 % 1) && !isNaN(data7))) && (isFinite(data7)))){
const err15 = {instancePath:instancePath+"/conditions/" + i0+"/observedGeneration",schemaPath:"#/definitions/Condition/properties/observedGeneration/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema57.properties.observedGeneration.type,parentSchema:schema57.properties.observedGeneration,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if((typeof data7 == "number") && (isFinite(data7))){
if(data7 < 0 || isNaN(data7)){
const err16 = {instancePath:instancePath+"/conditions/" + i0+"/observedGeneration",schemaPath:"#/definitions/Condition/properties/observedGeneration/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema57.properties.observedGeneration,data:data7};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
if(data2.lastTransitionTime !== undefined){
let data8 = data2.lastTransitionTime;
if(typeof data8 === "string"){
if(!(formats0.test(data8))){
const err17 = {instancePath:instancePath+"/conditions/" + i0+"/lastTransitionTime",schemaPath:"#/definitions/Condition/properties/lastTransitionTime/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\"",schema:"date-time",parentSchema:schema57.properties.lastTransitionTime,data:data8};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/conditions/" + i0+"/lastTransitionTime",schemaPath:"#/definitions/Condition/properties/lastTransitionTime/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema57.properties.lastTransitionTime.type,parentSchema:schema57.properties.lastTransitionTime,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema57.type,parentSchema:schema57,data:data2};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
}
else {
const err20 = {instancePath:instancePath+"/conditions",schemaPath:"#/properties/conditions/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema56.properties.conditions.type,parentSchema:schema56.properties.conditions,data:data1};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema56.type,parentSchema:schema56,data};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
validate44.errors = vErrors;
return errors === 0;
}


function validate43(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
/*# sourceURL="https://weft.dev/schemas/v1alpha1/trafficsplit.json" */;
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.apiVersion === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "apiVersion"},message:"must have required property '"+"apiVersion"+"'",schema:schema54.required,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.kind === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema54.required,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.metadata === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "metadata"},message:"must have required property '"+"metadata"+"'",schema:schema54.required,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.spec === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "spec"},message:"must have required property '"+"spec"+"'",schema:schema54.required,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key0 in data){
if(!(((((key0 === "apiVersion") || (key0 === "kind")) || (key0 === "metadata")) || (key0 === "spec")) || (key0 === "status"))){
const err4 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.apiVersion !== undefined){
let data0 = data.apiVersion;
if(typeof data0 !== "string"){
const err5 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema54.properties.apiVersion.type,parentSchema:schema54.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if("weft.dev/v1alpha1" !== data0){
const err6 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/const",keyword:"const",params:{allowedValue: "weft.dev/v1alpha1"},message:"must be equal to constant",schema:"weft.dev/v1alpha1",parentSchema:schema54.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.kind !== undefined){
let data1 = data.kind;
if(typeof data1 !== "string"){
const err7 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema54.properties.kind.type,parentSchema:schema54.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if("TrafficSplit" !== data1){
const err8 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/const",keyword:"const",params:{allowedValue: "TrafficSplit"},message:"must be equal to constant",schema:"TrafficSplit",parentSchema:schema54.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.metadata !== undefined){
let data2 = data.metadata;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.name === undefined){
const err9 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema54.properties.metadata.required,parentSchema:schema54.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(data2.name !== undefined){
let data3 = data2.name;
if(typeof data3 === "string"){
if(func2(data3) > 253){
const err10 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/properties/metadata/properties/name/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema54.properties.metadata.properties.name,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/properties/metadata/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema54.properties.metadata.properties.name.type,parentSchema:schema54.properties.metadata.properties.name,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data2.namespace !== undefined){
let data4 = data2.namespace;
if(typeof data4 === "string"){
if(func2(data4) > 63){
const err12 = {instancePath:instancePath+"/metadata/namespace",schemaPath:"#/properties/metadata/properties/namespace/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema54.properties.metadata.properties.namespace,data:data4};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/metadata/namespace",schemaPath:"#/properties/metadata/properties/namespace/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema54.properties.metadata.properties.namespace.type,parentSchema:schema54.properties.metadata.properties.namespace,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data2.labels !== undefined){
let data5 = data2.labels;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(Object.keys(data5).length > 256){
const err14 = {instancePath:instancePath+"/metadata/labels",schemaPath:"#/properties/metadata/properties/labels/maxProperties",keyword:"maxProperties",params:{limit: 256},message:"must NOT have more than 256 properties",schema:256,parentSchema:schema54.properties.metadata.properties.labels,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
for(const key1 in data5){
let data6 = data5[key1];
if(typeof data6 !== "string"){
const err15 = {instancePath:instancePath+"/metadata/labels/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/metadata/properties/labels/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema54.properties.metadata.properties.labels.additionalProperties.type,parentSchema:schema54.properties.metadata.properties.labels.additionalProperties,data:data6};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath:instancePath+"/metadata/labels",schemaPath:"#/properties/metadata/properties/labels/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema54.properties.metadata.properties.labels.type,parentSchema:schema54.properties.metadata.properties.labels,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data2.annotations !== undefined){
let data7 = data2.annotations;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
if(Object.keys(data7).length > 256){
const err17 = {instancePath:instancePath+"/metadata/annotations",schemaPath:"#/properties/metadata/properties/annotations/maxProperties",keyword:"maxProperties",params:{limit: 256},message:"must NOT have more than 256 properties",schema:256,parentSchema:schema54.properties.metadata.properties.annotations,data:data7};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
for(const key2 in data7){
let data8 = data7[key2];
if(typeof data8 !== "string"){
const err18 = {instancePath:instancePath+"/metadata/annotations/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/metadata/properties/annotations/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema54.properties.metadata.properties.annotations.additionalProperties.type,parentSchema:schema54.properties.metadata.properties.annotations.additionalProperties,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/metadata/annotations",schemaPath:"#/properties/metadata/properties/annotations/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema54.properties.metadata.properties.annotations.type,parentSchema:schema54.properties.metadata.properties.annotations,data:data7};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data2.generation !== undefined){
let data9 = data2.generation;
if(!(((typeof data9 == "number") && (!(data9 % 1) && !isNaN(data9))) && (isFinite(data9)))){
const err20 = {instancePath:instancePath+"/metadata/generation",schemaPath:"#/properties/metadata/properties/generation/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema54.properties.metadata.properties.generation.type,parentSchema:schema54.properties.metadata.properties.generation,data:data9};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema54.properties.metadata.type,parentSchema:schema54.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.spec !== undefined){
let data10 = data.spec;
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
if(data10.service === undefined){
const err22 = {instancePath:instancePath+"/spec",schemaPath:"#/definitions/TrafficSplitSpec/required",keyword:"required",params:{missingProperty: "service"},message:"must have required property '"+"service"+"'",schema:schema55.required,parentSchema:schema55,data:data10};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
if(data10.backends === undefined){
const err23 = {instancePath:instancePath+"/spec",schemaPath:"#/definitions/TrafficSplitSpec/required",keyword:"required",params:{missingProperty: "backends"},message:"must have required property '"+"backends"+"'",schema:schema55.required,parentSchema:schema55,data:data10};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
for(const key3 in data10){
if(!(((key3 === "service") || (key3 === "backends")) || (key3 === "matches"))){
const err24 = {instancePath:instancePath+"/spec",schemaPath:"#/definitions/TrafficSplitSpec/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema55,data:data10};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
if(data10.service !== undefined){
let data11 = data10.service;
if(typeof data11 === "string"){
if(func2(data11) > 253){
const err25 = {instancePath:instancePath+"/spec/service",schemaPath:"#/definitions/TrafficSplitSpec/properties/service/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema55.properties.service,data:data11};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
if(func2(data11) < 1){
const err26 = {instancePath:instancePath+"/spec/service",schemaPath:"#/definitions/TrafficSplitSpec/properties/service/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema55.properties.service,data:data11};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
else {
const err27 = {instancePath:instancePath+"/spec/service",schemaPath:"#/definitions/TrafficSplitSpec/properties/service/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema55.properties.service.type,parentSchema:schema55.properties.service,data:data11};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data10.backends !== undefined){
let data12 = data10.backends;
if(Array.isArray(data12)){
if(data12.length > 64){
const err28 = {instancePath:instancePath+"/spec/backends",schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema55.properties.backends,data:data12};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
if(data12.length < 1){
const err29 = {instancePath:instancePath+"/spec/backends",schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema55.properties.backends,data:data12};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
const len0 = data12.length;
for(let i0=0; i0<len0; i0++){
let data13 = data12[i0];
if(data13 && typeof data13 == "object" && !Array.isArray(data13)){
if(data13.service === undefined){
const err30 = {instancePath:instancePath+"/spec/backends/" + i0,schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/items/required",keyword:"required",params:{missingProperty: "service"},message:"must have required property '"+"service"+"'",schema:schema55.properties.backends.items.required,parentSchema:schema55.properties.backends.items,data:data13};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
if(data13.weight === undefined){
const err31 = {instancePath:instancePath+"/spec/backends/" + i0,schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/items/required",keyword:"required",params:{missingProperty: "weight"},message:"must have required property '"+"weight"+"'",schema:schema55.properties.backends.items.required,parentSchema:schema55.properties.backends.items,data:data13};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
for(const key4 in data13){
if(!((key4 === "service") || (key4 === "weight"))){
const err32 = {instancePath:instancePath+"/spec/backends/" + i0,schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema55.properties.backends.items,data:data13};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
if(data13.service !== undefined){
let data14 = data13.service;
if(typeof data14 === "string"){
if(func2(data14) > 253){
const err33 = {instancePath:instancePath+"/spec/backends/" + i0+"/service",schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/items/properties/service/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema55.properties.backends.items.properties.service,data:data14};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
if(func2(data14) < 1){
const err34 = {instancePath:instancePath+"/spec/backends/" + i0+"/service",schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/items/properties/service/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema55.properties.backends.items.properties.service,data:data14};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
else {
const err35 = {instancePath:instancePath+"/spec/backends/" + i0+"/service",schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/items/properties/service/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema55.properties.backends.items.properties.service.type,parentSchema:schema55.properties.backends.items.properties.service,data:data14};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
if(data13.weight !== undefined){
let data15 = data13.weight;
if(!(((typeof data15 == "number") && (!(data15 % 1) && !isNaN(data15))) && (isFinite(data15)))){
const err36 = {instancePath:instancePath+"/spec/backends/" + i0+"/weight",schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/items/properties/weight/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema55.properties.backends.items.properties.weight.type,parentSchema:schema55.properties.backends.items.properties.weight,data:data15};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
if((typeof data15 == "number") && (isFinite(data15))){
if(data15 > 2147483647 || isNaN(data15)){
const err37 = {instancePath:instancePath+"/spec/backends/" + i0+"/weight",schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/items/properties/weight/maximum",keyword:"maximum",params:{comparison: "<=", limit: 2147483647},message:"must be <= 2147483647",schema:2147483647,parentSchema:schema55.properties.backends.items.properties.weight,data:data15};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
if(data15 < 0 || isNaN(data15)){
const err38 = {instancePath:instancePath+"/spec/backends/" + i0+"/weight",schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/items/properties/weight/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema55.properties.backends.items.properties.weight,data:data15};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
}
}
else {
const err39 = {instancePath:instancePath+"/spec/backends/" + i0,schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/items/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema55.properties.backends.items.type,parentSchema:schema55.properties.backends.items,data:data13};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
}
}
else {
const err40 = {instancePath:instancePath+"/spec/backends",schemaPath:"#/definitions/TrafficSplitSpec/properties/backends/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema55.properties.backends.type,parentSchema:schema55.properties.backends,data:data12};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
}
if(data10.matches !== undefined){
let data16 = data10.matches;
if(Array.isArray(data16)){
if(data16.length > 16){
const err41 = {instancePath:instancePath+"/spec/matches",schemaPath:"#/definitions/TrafficSplitSpec/properties/matches/maxItems",keyword:"maxItems",params:{limit: 16},message:"must NOT have more than 16 items",schema:16,parentSchema:schema55.properties.matches,data:data16};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
const len1 = data16.length;
for(let i1=0; i1<len1; i1++){
let data17 = data16[i1];
if(data17 && typeof data17 == "object" && !Array.isArray(data17)){
if(data17.kind === undefined){
const err42 = {instancePath:instancePath+"/spec/matches/" + i1,schemaPath:"#/definitions/TrafficSplitSpec/properties/matches/items/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema55.properties.matches.items.required,parentSchema:schema55.properties.matches.items,data:data17};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
if(data17.name === undefined){
const err43 = {instancePath:instancePath+"/spec/matches/" + i1,schemaPath:"#/definitions/TrafficSplitSpec/properties/matches/items/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema55.properties.matches.items.required,parentSchema:schema55.properties.matches.items,data:data17};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
for(const key5 in data17){
if(!(((key5 === "kind") || (key5 === "name")) || (key5 === "apiGroup"))){
const err44 = {instancePath:instancePath+"/spec/matches/" + i1,schemaPath:"#/definitions/TrafficSplitSpec/properties/matches/items/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key5},message:"must NOT have additional properties",schema:false,parentSchema:schema55.properties.matches.items,data:data17};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
}
if(data17.kind !== undefined){
let data18 = data17.kind;
if(typeof data18 !== "string"){
const err45 = {instancePath:instancePath+"/spec/matches/" + i1+"/kind",schemaPath:"#/definitions/TrafficSplitSpec/properties/matches/items/properties/kind/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema55.properties.matches.items.properties.kind.type,parentSchema:schema55.properties.matches.items.properties.kind,data:data18};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
if(!(data18 === "HTTPRouteGroup")){
const err46 = {instancePath:instancePath+"/spec/matches/" + i1+"/kind",schemaPath:"#/definitions/TrafficSplitSpec/properties/matches/items/properties/kind/enum",keyword:"enum",params:{allowedValues: schema55.properties.matches.items.properties.kind.enum},message:"must be equal to one of the allowed values",schema:schema55.properties.matches.items.properties.kind.enum,parentSchema:schema55.properties.matches.items.properties.kind,data:data18};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
}
if(data17.name !== undefined){
let data19 = data17.name;
if(typeof data19 === "string"){
if(func2(data19) > 253){
const err47 = {instancePath:instancePath+"/spec/matches/" + i1+"/name",schemaPath:"#/definitions/TrafficSplitSpec/properties/matches/items/properties/name/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema55.properties.matches.items.properties.name,data:data19};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
}
else {
const err48 = {instancePath:instancePath+"/spec/matches/" + i1+"/name",schemaPath:"#/definitions/TrafficSplitSpec/properties/matches/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema55.properties.matches.items.properties.name.type,parentSchema:schema55.properties.matches.items.properties.name,data:data19};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
}
if(data17.apiGroup !== undefined){
let data20 = data17.apiGroup;
if(typeof data20 === "string"){
if(func2(data20) > 253){
const err49 = {instancePath:instancePath+"/spec/matches/" + i1+"/apiGroup",schemaPath:"#/definitions/TrafficSplitSpec/properties/matches/items/properties/apiGroup/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema55.properties.matches.items.properties.apiGroup,data:data20};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
}
else {
const err50 = {instancePath:instancePath+"/spec/matches/" + i1+"/apiGroup",schemaPath:"#/definitions/TrafficSplitSpec/properties/matches/items/properties/apiGroup/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema55.properties.matches.items.properties.apiGroup.type,parentSchema:schema55.properties.matches.items.properties.apiGroup,data:data20};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
}
}
else {
const err51 = {instancePath:instancePath+"/spec/matches/" + i1,schemaPath:"#/definitions/TrafficSplitSpec/properties/matches/items/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema55.properties.matches.items.type,parentSchema:schema55.properties.matches.items,data:data17};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
}
}
else {
const err52 = {instancePath:instancePath+"/spec/matches",schemaPath:"#/definitions/TrafficSplitSpec/properties/matches/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema55.properties.matches.type,parentSchema:schema55.properties.matches,data:data16};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
}
}
else {
const err53 = {instancePath:instancePath+"/spec",schemaPath:"#/definitions/TrafficSplitSpec/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema55.type,parentSchema:schema55,data:data10};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
}
if(data.status !== undefined){
if(!(validate44(data.status, {instancePath:instancePath+"/status",parentData:data,parentDataProperty:"status",rootData}))){
vErrors = vErrors === null ? validate44.errors : vErrors.concat(validate44.errors);
errors = vErrors.length;
}
}
}
else {
const err54 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema54.type,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err54];
}
else {
vErrors.push(err54);
}
errors++;
}
validate43.errors = vErrors;
return errors === 0;
}

export const validateWorkloadEntry = validate46;
const schema58 = {"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://weft.dev/schemas/v1alpha1/workloadentry.json","title":"WorkloadEntry","description":"A workload outside Kubernetes (a VM, a bare-metal host, a process) in the mesh: Services select it by its labels like a Pod, and its address becomes one of their endpoints (Istio's WorkloadEntry shape).","type":"object","required":["apiVersion","kind","metadata","spec"],"additionalProperties":false,"properties":{"apiVersion":{"type":"string","const":"weft.dev/v1alpha1"},"kind":{"type":"string","const":"WorkloadEntry"},"metadata":{"title":"ObjectMeta","type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":253},"namespace":{"type":"string","maxLength":63},"labels":{"type":"object","maxProperties":256,"additionalProperties":{"type":"string"}},"annotations":{"type":"object","maxProperties":256,"additionalProperties":{"type":"string"}},"generation":{"type":"integer"}},"additionalProperties":true},"spec":{"$ref":"#/definitions/WorkloadEntrySpec"},"status":{"$ref":"#/definitions/ResourceStatus"}},"definitions":{"WorkloadEntrySpec":{"title":"WorkloadEntrySpec","type":"object","additionalProperties":false,"required":["address"],"properties":{"address":{"type":"string","minLength":1,"maxLength":253,"description":"Where the workload is reached: an IPv4 or IPv6 address, or a DNS name (resolved by the proxies)."},"ports":{"type":"object","maxProperties":64,"description":"Port name → the port the workload listens on, for the Service port of the same name (instead of its targetPort).","additionalProperties":{"type":"integer","minimum":1,"maximum":65535}},"labels":{"type":"object","maxProperties":64,"description":"The workload's labels: Services whose selector matches them include it, as they would a Pod.","additionalProperties":{"type":"string","maxLength":63}},"serviceAccount":{"type":"string","maxLength":63,"description":"The Kubernetes service account the workload runs as, in the entry's namespace: its identity is spiffe://<trust domain>/ns/<namespace>/sa/<serviceAccount>. Default: default."},"network":{"type":"string","maxLength":253,"description":"The network the address belongs to, when the mesh spans several (accepted for compatibility; Weft meshes one network)."},"locality":{"type":"string","maxLength":253,"description":"region/zone/subzone of the workload, as a Kubernetes node's topology labels give them."},"weight":{"type":"integer","minimum":0,"maximum":65535,"description":"Load-balancing weight relative to the other endpoints of the Services that select it (1 to 65535; 0 or unset means 1)."}}},"ResourceStatus":{"title":"ResourceStatus","type":"object","additionalProperties":false,"properties":{"observedGeneration":{"type":"integer","minimum":0},"conditions":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/Condition"}}}},"Condition":{"title":"Condition","type":"object","additionalProperties":false,"required":["type","status"],"properties":{"type":{"type":"string","maxLength":316},"status":{"type":"string","enum":["True","False","Unknown"]},"reason":{"type":"string","maxLength":1024},"message":{"type":"string","maxLength":32768},"observedGeneration":{"type":"integer","minimum":0},"lastTransitionTime":{"type":"string","format":"date-time"}}}}};
const schema59 = {"title":"WorkloadEntrySpec","type":"object","additionalProperties":false,"required":["address"],"properties":{"address":{"type":"string","minLength":1,"maxLength":253,"description":"Where the workload is reached: an IPv4 or IPv6 address, or a DNS name (resolved by the proxies)."},"ports":{"type":"object","maxProperties":64,"description":"Port name → the port the workload listens on, for the Service port of the same name (instead of its targetPort).","additionalProperties":{"type":"integer","minimum":1,"maximum":65535}},"labels":{"type":"object","maxProperties":64,"description":"The workload's labels: Services whose selector matches them include it, as they would a Pod.","additionalProperties":{"type":"string","maxLength":63}},"serviceAccount":{"type":"string","maxLength":63,"description":"The Kubernetes service account the workload runs as, in the entry's namespace: its identity is spiffe://<trust domain>/ns/<namespace>/sa/<serviceAccount>. Default: default."},"network":{"type":"string","maxLength":253,"description":"The network the address belongs to, when the mesh spans several (accepted for compatibility; Weft meshes one network)."},"locality":{"type":"string","maxLength":253,"description":"region/zone/subzone of the workload, as a Kubernetes node's topology labels give them."},"weight":{"type":"integer","minimum":0,"maximum":65535,"description":"Load-balancing weight relative to the other endpoints of the Services that select it (1 to 65535; 0 or unset means 1)."}}};
const schema60 = {"title":"ResourceStatus","type":"object","additionalProperties":false,"properties":{"observedGeneration":{"type":"integer","minimum":0},"conditions":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/Condition"}}}};
const schema61 = {"title":"Condition","type":"object","additionalProperties":false,"required":["type","status"],"properties":{"type":{"type":"string","maxLength":316},"status":{"type":"string","enum":["True","False","Unknown"]},"reason":{"type":"string","maxLength":1024},"message":{"type":"string","maxLength":32768},"observedGeneration":{"type":"integer","minimum":0},"lastTransitionTime":{"type":"string","format":"date-time"}}};

function validate47(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((key0 === "observedGeneration") || (key0 === "conditions"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema60,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.observedGeneration !== undefined){
let data0 = data.observedGeneration;
if(!(((typeof data0 == "number") && (!(data0 % 1) && !isNaN(data0))) && (isFinite(data0)))){
const err1 = {instancePath:instancePath+"/observedGeneration",schemaPath:"#/properties/observedGeneration/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema60.properties.observedGeneration.type,parentSchema:schema60.properties.observedGeneration,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if((typeof data0 == "number") && (isFinite(data0))){
if(data0 < 0 || isNaN(data0)){
const err2 = {instancePath:instancePath+"/observedGeneration",schemaPath:"#/properties/observedGeneration/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema60.properties.observedGeneration,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
if(data.conditions !== undefined){
let data1 = data.conditions;
if(Array.isArray(data1)){
if(data1.length > 16){
const err3 = {instancePath:instancePath+"/conditions",schemaPath:"#/properties/conditions/maxItems",keyword:"maxItems",params:{limit: 16},message:"must NOT have more than 16 items",schema:16,parentSchema:schema60.properties.conditions,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
let data2 = data1[i0];
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.type === undefined){
const err4 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema61.required,parentSchema:schema61,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(data2.status === undefined){
const err5 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/required",keyword:"required",params:{missingProperty: "status"},message:"must have required property '"+"status"+"'",schema:schema61.required,parentSchema:schema61,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
for(const key1 in data2){
if(!((((((key1 === "type") || (key1 === "status")) || (key1 === "reason")) || (key1 === "message")) || (key1 === "observedGeneration")) || (key1 === "lastTransitionTime"))){
const err6 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema61,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data2.type !== undefined){
let data3 = data2.type;
if(typeof data3 === "string"){
if(func2(data3) > 316){
const err7 = {instancePath:instancePath+"/conditions/" + i0+"/type",schemaPath:"#/definitions/Condition/properties/type/maxLength",keyword:"maxLength",params:{limit: 316},message:"must NOT have more than 316 characters",schema:316,parentSchema:schema61.properties.type,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/conditions/" + i0+"/type",schemaPath:"#/definitions/Condition/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema61.properties.type.type,parentSchema:schema61.properties.type,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data2.status !== undefined){
let data4 = data2.status;
if(typeof data4 !== "string"){
const err9 = {instancePath:instancePath+"/conditions/" + i0+"/status",schemaPath:"#/definitions/Condition/properties/status/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema61.properties.status.type,parentSchema:schema61.properties.status,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(!(((data4 === "True") || (data4 === "False")) || (data4 === "Unknown"))){
const err10 = {instancePath:instancePath+"/conditions/" + i0+"/status",schemaPath:"#/definitions/Condition/properties/status/enum",keyword:"enum",params:{allowedValues: schema61.properties.status.enum},message:"must be equal to one of the allowed values",schema:schema61.properties.status.enum,parentSchema:schema61.properties.status,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data2.reason !== undefined){
let data5 = data2.reason;
if(typeof data5 === "string"){
if(func2(data5) > 1024){
const err11 = {instancePath:instancePath+"/conditions/" + i0+"/reason",schemaPath:"#/definitions/Condition/properties/reason/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema61.properties.reason,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/conditions/" + i0+"/reason",schemaPath:"#/definitions/Condition/properties/reason/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema61.properties.reason.type,parentSchema:schema61.properties.reason,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data2.message !== undefined){
let data6 = data2.message;
if(typeof data6 === "string"){
if(func2(data6) > 32768){
const err13 = {instancePath:instancePath+"/conditions/" + i0+"/message",schemaPath:"#/definitions/Condition/properties/message/maxLength",keyword:"maxLength",params:{limit: 32768},message:"must NOT have more than 32768 characters",schema:32768,parentSchema:schema61.properties.message,data:data6};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/conditions/" + i0+"/message",schemaPath:"#/definitions/Condition/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema61.properties.message.type,parentSchema:schema61.properties.message,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data2.observedGeneration !== undefined){
let data7 = data2.observedGeneration;
if(!(((typeof data7 == "number") && (!(data7 % 1) && !isNaN(data7))) && (isFinite(data7)))){
const err15 = {instancePath:instancePath+"/conditions/" + i0+"/observedGeneration",schemaPath:"#/definitions/Condition/properties/observedGeneration/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema61.properties.observedGeneration.type,parentSchema:schema61.properties.observedGeneration,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if((typeof data7 == "number") && (isFinite(data7))){
if(data7 < 0 || isNaN(data7)){
const err16 = {instancePath:instancePath+"/conditions/" + i0+"/observedGeneration",schemaPath:"#/definitions/Condition/properties/observedGeneration/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema61.properties.observedGeneration,data:data7};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
if(data2.lastTransitionTime !== undefined){
let data8 = data2.lastTransitionTime;
if(typeof data8 === "string"){
if(!(formats0.test(data8))){
const err17 = {instancePath:instancePath+"/conditions/" + i0+"/lastTransitionTime",schemaPath:"#/definitions/Condition/properties/lastTransitionTime/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\"",schema:"date-time",parentSchema:schema61.properties.lastTransitionTime,data:data8};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/conditions/" + i0+"/lastTransitionTime",schemaPath:"#/definitions/Condition/properties/lastTransitionTime/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema61.properties.lastTransitionTime.type,parentSchema:schema61.properties.lastTransitionTime,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema61.type,parentSchema:schema61,data:data2};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
}
else {
const err20 = {instancePath:instancePath+"/conditions",schemaPath:"#/properties/conditions/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema60.properties.conditions.type,parentSchema:schema60.properties.conditions,data:data1};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema60.type,parentSchema:schema60,data};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
validate47.errors = vErrors;
return errors === 0;
}


function validate46(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
/*# sourceURL="https://weft.dev/schemas/v1alpha1/workloadentry.json" */;
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.apiVersion === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "apiVersion"},message:"must have required property '"+"apiVersion"+"'",schema:schema58.required,parentSchema:schema58,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.kind === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema58.required,parentSchema:schema58,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.metadata === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "metadata"},message:"must have required property '"+"metadata"+"'",schema:schema58.required,parentSchema:schema58,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.spec === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "spec"},message:"must have required property '"+"spec"+"'",schema:schema58.required,parentSchema:schema58,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key0 in data){
if(!(((((key0 === "apiVersion") || (key0 === "kind")) || (key0 === "metadata")) || (key0 === "spec")) || (key0 === "status"))){
const err4 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema58,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.apiVersion !== undefined){
let data0 = data.apiVersion;
if(typeof data0 !== "string"){
const err5 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema58.properties.apiVersion.type,parentSchema:schema58.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if("weft.dev/v1alpha1" !== data0){
const err6 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/const",keyword:"const",params:{allowedValue: "weft.dev/v1alpha1"},message:"must be equal to constant",schema:"weft.dev/v1alpha1",parentSchema:schema58.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.kind !== undefined){
let data1 = data.kind;
if(typeof data1 !== "string"){
const err7 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema58.properties.kind.type,parentSchema:schema58.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if("WorkloadEntry" !== data1){
const err8 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/const",keyword:"const",params:{allowedValue: "WorkloadEntry"},message:"must be equal to constant",schema:"WorkloadEntry",parentSchema:schema58.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.metadata !== undefined){
let data2 = data.metadata;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.name === undefined){
const err9 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema58.properties.metadata.required,parentSchema:schema58.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(data2.name !== undefined){
let data3 = data2.name;
if(typeof data3 === "string"){
if(func2(data3) > 253){
const err10 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/properties/metadata/properties/name/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema58.properties.metadata.properties.name,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/properties/metadata/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema58.properties.metadata.properties.name.type,parentSchema:schema58.properties.metadata.properties.name,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data2.namespace !== undefined){
let data4 = data2.namespace;
if(typeof data4 === "string"){
if(func2(data4) > 63){
const err12 = {instancePath:instancePath+"/metadata/namespace",schemaPath:"#/properties/metadata/properties/namespace/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema58.properties.metadata.properties.namespace,data:data4};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/metadata/namespace",schemaPath:"#/properties/metadata/properties/namespace/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema58.properties.metadata.properties.namespace.type,parentSchema:schema58.properties.metadata.properties.namespace,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data2.labels !== undefined){
let data5 = data2.labels;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(Object.keys(data5).length > 256){
const err14 = {instancePath:instancePath+"/metadata/labels",schemaPath:"#/properties/metadata/properties/labels/maxProperties",keyword:"maxProperties",params:{limit: 256},message:"must NOT have more than 256 properties",schema:256,parentSchema:schema58.properties.metadata.properties.labels,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
for(const key1 in data5){
let data6 = data5[key1];
if(typeof data6 !== "string"){
const err15 = {instancePath:instancePath+"/metadata/labels/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/metadata/properties/labels/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema58.properties.metadata.properties.labels.additionalProperties.type,parentSchema:schema58.properties.metadata.properties.labels.additionalProperties,data:data6};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath:instancePath+"/metadata/labels",schemaPath:"#/properties/metadata/properties/labels/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema58.properties.metadata.properties.labels.type,parentSchema:schema58.properties.metadata.properties.labels,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data2.annotations !== undefined){
let data7 = data2.annotations;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
if(Object.keys(data7).length > 256){
const err17 = {instancePath:instancePath+"/metadata/annotations",schemaPath:"#/properties/metadata/properties/annotations/maxProperties",keyword:"maxProperties",params:{limit: 256},message:"must NOT have more than 256 properties",schema:256,parentSchema:schema58.properties.metadata.properties.annotations,data:data7};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
for(const key2 in data7){
let data8 = data7[key2];
if(typeof data8 !== "string"){
const err18 = {instancePath:instancePath+"/metadata/annotations/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/metadata/properties/annotations/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema58.properties.metadata.properties.annotations.additionalProperties.type,parentSchema:schema58.properties.metadata.properties.annotations.additionalProperties,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/metadata/annotations",schemaPath:"#/properties/metadata/properties/annotations/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema58.properties.metadata.properties.annotations.type,parentSchema:schema58.properties.metadata.properties.annotations,data:data7};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data2.generation !== undefined){
let data9 = data2.generation;
if(!(((typeof data9 == "number") && (!(data9 % 1) && !isNaN(data9))) && (isFinite(data9)))){
const err20 = {instancePath:instancePath+"/metadata/generation",schemaPath:"#/properties/metadata/properties/generation/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema58.properties.metadata.properties.generation.type,parentSchema:schema58.properties.metadata.properties.generation,data:data9};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema58.properties.metadata.type,parentSchema:schema58.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.spec !== undefined){
let data10 = data.spec;
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
if(data10.address === undefined){
const err22 = {instancePath:instancePath+"/spec",schemaPath:"#/definitions/WorkloadEntrySpec/required",keyword:"required",params:{missingProperty: "address"},message:"must have required property '"+"address"+"'",schema:schema59.required,parentSchema:schema59,data:data10};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
for(const key3 in data10){
if(!(((((((key3 === "address") || (key3 === "ports")) || (key3 === "labels")) || (key3 === "serviceAccount")) || (key3 === "network")) || (key3 === "locality")) || (key3 === "weight"))){
const err23 = {instancePath:instancePath+"/spec",schemaPath:"#/definitions/WorkloadEntrySpec/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema59,data:data10};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data10.address !== undefined){
let data11 = data10.address;
if(typeof data11 === "string"){
if(func2(data11) > 253){
const err24 = {instancePath:instancePath+"/spec/address",schemaPath:"#/definitions/WorkloadEntrySpec/properties/address/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema59.properties.address,data:data11};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if(func2(data11) < 1){
const err25 = {instancePath:instancePath+"/spec/address",schemaPath:"#/definitions/WorkloadEntrySpec/properties/address/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema59.properties.address,data:data11};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
else {
const err26 = {instancePath:instancePath+"/spec/address",schemaPath:"#/definitions/WorkloadEntrySpec/properties/address/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema59.properties.address.type,parentSchema:schema59.properties.address,data:data11};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
if(data10.ports !== undefined){
let data12 = data10.ports;
if(data12 && typeof data12 == "object" && !Array.isArray(data12)){
if(Object.keys(data12).length > 64){
const err27 = {instancePath:instancePath+"/spec/ports",schemaPath:"#/definitions/WorkloadEntrySpec/properties/ports/maxProperties",keyword:"maxProperties",params:{limit: 64},message:"must NOT have more than 64 properties",schema:64,parentSchema:schema59.properties.ports,data:data12};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
for(const key4 in data12){
let data13 = data12[key4];
if(!(((typeof data13 == "number") && (!(data13 % 1) && !isNaN(data13))) && (isFinite(data13)))){
const err28 = {instancePath:instancePath+"/spec/ports/" + key4.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/WorkloadEntrySpec/properties/ports/additionalProperties/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema59.properties.ports.additionalProperties.type,parentSchema:schema59.properties.ports.additionalProperties,data:data13};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
if((typeof data13 == "number") && (isFinite(data13))){
if(data13 > 65535 || isNaN(data13)){
const err29 = {instancePath:instancePath+"/spec/ports/" + key4.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/WorkloadEntrySpec/properties/ports/additionalProperties/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema59.properties.ports.additionalProperties,data:data13};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
if(data13 < 1 || isNaN(data13)){
const err30 = {instancePath:instancePath+"/spec/ports/" + key4.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/WorkloadEntrySpec/properties/ports/additionalProperties/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema59.properties.ports.additionalProperties,data:data13};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
}
}
else {
const err31 = {instancePath:instancePath+"/spec/ports",schemaPath:"#/definitions/WorkloadEntrySpec/properties/ports/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema59.properties.ports.type,parentSchema:schema59.properties.ports,data:data12};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
if(data10.labels !== undefined){
let data14 = data10.labels;
if(data14 && typeof data14 == "object" && !Array.isArray(data14)){
if(Object.keys(data14).length > 64){
const err32 = {instancePath:instancePath+"/spec/labels",schemaPath:"#/definitions/WorkloadEntrySpec/properties/labels/maxProperties",keyword:"maxProperties",params:{limit: 64},message:"must NOT have more than 64 properties",schema:64,parentSchema:schema59.properties.labels,data:data14};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
for(const key5 in data14){
let data15 = data14[key5];
if(typeof data15 === "string"){
if(func2(data15) > 63){
const err33 = {instancePath:instancePath+"/spec/labels/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/WorkloadEntrySpec/properties/labels/additionalProperties/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema59.properties.labels.additionalProperties,data:data15};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
else {
const err34 = {instancePath:instancePath+"/spec/labels/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/definitions/WorkloadEntrySpec/properties/labels/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema59.properties.labels.additionalProperties.type,parentSchema:schema59.properties.labels.additionalProperties,data:data15};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
}
else {
const err35 = {instancePath:instancePath+"/spec/labels",schemaPath:"#/definitions/WorkloadEntrySpec/properties/labels/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema59.properties.labels.type,parentSchema:schema59.properties.labels,data:data14};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
if(data10.serviceAccount !== undefined){
let data16 = data10.serviceAccount;
if(typeof data16 === "string"){
if(func2(data16) > 63){
const err36 = {instancePath:instancePath+"/spec/serviceAccount",schemaPath:"#/definitions/WorkloadEntrySpec/properties/serviceAccount/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema59.properties.serviceAccount,data:data16};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
}
else {
const err37 = {instancePath:instancePath+"/spec/serviceAccount",schemaPath:"#/definitions/WorkloadEntrySpec/properties/serviceAccount/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema59.properties.serviceAccount.type,parentSchema:schema59.properties.serviceAccount,data:data16};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
if(data10.network !== undefined){
let data17 = data10.network;
if(typeof data17 === "string"){
if(func2(data17) > 253){
const err38 = {instancePath:instancePath+"/spec/network",schemaPath:"#/definitions/WorkloadEntrySpec/properties/network/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema59.properties.network,data:data17};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
else {
const err39 = {instancePath:instancePath+"/spec/network",schemaPath:"#/definitions/WorkloadEntrySpec/properties/network/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema59.properties.network.type,parentSchema:schema59.properties.network,data:data17};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
}
if(data10.locality !== undefined){
let data18 = data10.locality;
if(typeof data18 === "string"){
if(func2(data18) > 253){
const err40 = {instancePath:instancePath+"/spec/locality",schemaPath:"#/definitions/WorkloadEntrySpec/properties/locality/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema59.properties.locality,data:data18};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
}
else {
const err41 = {instancePath:instancePath+"/spec/locality",schemaPath:"#/definitions/WorkloadEntrySpec/properties/locality/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema59.properties.locality.type,parentSchema:schema59.properties.locality,data:data18};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
}
if(data10.weight !== undefined){
let data19 = data10.weight;
if(!(((typeof data19 == "number") && (!(data19 % 1) && !isNaN(data19))) && (isFinite(data19)))){
const err42 = {instancePath:instancePath+"/spec/weight",schemaPath:"#/definitions/WorkloadEntrySpec/properties/weight/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema59.properties.weight.type,parentSchema:schema59.properties.weight,data:data19};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
if((typeof data19 == "number") && (isFinite(data19))){
if(data19 > 65535 || isNaN(data19)){
const err43 = {instancePath:instancePath+"/spec/weight",schemaPath:"#/definitions/WorkloadEntrySpec/properties/weight/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema59.properties.weight,data:data19};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
if(data19 < 0 || isNaN(data19)){
const err44 = {instancePath:instancePath+"/spec/weight",schemaPath:"#/definitions/WorkloadEntrySpec/properties/weight/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema59.properties.weight,data:data19};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
}
}
}
else {
const err45 = {instancePath:instancePath+"/spec",schemaPath:"#/definitions/WorkloadEntrySpec/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema59.type,parentSchema:schema59,data:data10};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
if(data.status !== undefined){
if(!(validate47(data.status, {instancePath:instancePath+"/status",parentData:data,parentDataProperty:"status",rootData}))){
vErrors = vErrors === null ? validate47.errors : vErrors.concat(validate47.errors);
errors = vErrors.length;
}
}
}
else {
const err46 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema58.type,parentSchema:schema58,data};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
validate46.errors = vErrors;
return errors === 0;
}

export const validateRequestAuthentication = validate49;
const schema62 = {"$schema":"http://json-schema.org/draft-07/schema#","$id":"https://weft.dev/schemas/v1alpha1/requestauthentication.json","title":"RequestAuthentication","description":"Which JSON Web Tokens the selected workloads accept (Istio's RequestAuthentication shape): a request with a token that does not verify for its issuer is refused (401); a request without one passes, unauthenticated, and AuthorizationPolicy decides (requestPrincipals, request.auth.* conditions).","type":"object","required":["apiVersion","kind","metadata","spec"],"additionalProperties":false,"properties":{"apiVersion":{"type":"string","const":"weft.dev/v1alpha1"},"kind":{"type":"string","const":"RequestAuthentication"},"metadata":{"title":"ObjectMeta","type":"object","required":["name"],"properties":{"name":{"type":"string","maxLength":253},"namespace":{"type":"string","maxLength":63},"labels":{"type":"object","maxProperties":256,"additionalProperties":{"type":"string"}},"annotations":{"type":"object","maxProperties":256,"additionalProperties":{"type":"string"}},"generation":{"type":"integer"}},"additionalProperties":true},"spec":{"$ref":"#/definitions/RequestAuthenticationSpec"},"status":{"$ref":"#/definitions/ResourceStatus"}},"definitions":{"RequestAuthenticationSpec":{"title":"RequestAuthenticationSpec","type":"object","additionalProperties":false,"properties":{"selector":{"title":"WorkloadSelector","type":"object","additionalProperties":false,"properties":{"matchLabels":{"type":"object","maxProperties":64,"additionalProperties":{"type":"string","maxLength":63}}},"description":"Workloads in this namespace the policy applies to; absent means all of them (every namespace when in the root namespace)."},"jwtRules":{"type":"array","maxItems":64,"items":{"$ref":"#/definitions/JWTRule"},"description":"The issuers whose tokens the workloads accept; a token from any one of them makes the request's principal (iss/sub)."}}},"JWTRule":{"title":"JWTRule","type":"object","additionalProperties":false,"required":["issuer"],"properties":{"issuer":{"type":"string","minLength":1,"maxLength":1024,"description":"The token's iss claim must be this; a token from another issuer is refused."},"audiences":{"type":"array","maxItems":64,"items":{"type":"string","maxLength":1024},"description":"A token must carry one of these in aud; absent: any audience."},"jwksUri":{"type":"string","minLength":1,"maxLength":2048,"description":"Where the issuer publishes its public keys (https). The control plane fetches the set, refreshes it every 20 minutes and sends it to the proxies inline. Absent (and no jwks): found by OpenID Connect discovery from the issuer."},"jwks":{"type":"string","minLength":1,"maxLength":65536,"description":"The issuer's public keys as a JSON Web Key Set document (a JSON string), instead of jwksUri."},"fromHeaders":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/JWTHeader"},"description":"Headers the token is taken from. Default (with fromParams and fromCookies absent): Authorization with the prefix \"Bearer \", then the access_token parameter."},"fromParams":{"type":"array","maxItems":16,"items":{"type":"string","minLength":1,"maxLength":256},"description":"Query parameters the token is taken from."},"fromCookies":{"type":"array","maxItems":16,"items":{"type":"string","minLength":1,"maxLength":256},"description":"Cookies the token is taken from."},"outputPayloadToHeader":{"type":"string","maxLength":256,"description":"A header the verified payload is sent upstream in (base64url of its JSON)."},"outputClaimToHeaders":{"type":"array","maxItems":32,"items":{"$ref":"#/definitions/ClaimToHeader"},"description":"Claims of a verified token copied into request headers."},"forwardOriginalToken":{"type":"boolean","description":"Keep the token's header on the request to the workload (default: removed after verification)."},"timeout":{"$ref":"#/definitions/Duration"}},"x-kubernetes-validations":[{"rule":"!(has(self.jwks) && has(self.jwksUri))","message":"set only one of jwks or jwksUri"}]},"JWTHeader":{"title":"JWTHeader","type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"type":"string","minLength":1,"maxLength":256,"description":"The header name."},"prefix":{"type":"string","maxLength":256,"description":"Text before the token in the header's value, removed (such as \"Bearer \")."}}},"ClaimToHeader":{"title":"ClaimToHeader","type":"object","additionalProperties":false,"required":["header","claim"],"properties":{"header":{"type":"string","minLength":1,"maxLength":256,"description":"The header to set."},"claim":{"type":"string","minLength":1,"maxLength":256,"description":"The claim to copy (a.b for a nested one); strings, numbers and booleans."}}},"ResourceStatus":{"title":"ResourceStatus","type":"object","additionalProperties":false,"properties":{"observedGeneration":{"type":"integer","minimum":0},"conditions":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/Condition"}}}},"Condition":{"title":"Condition","type":"object","additionalProperties":false,"required":["type","status"],"properties":{"type":{"type":"string","maxLength":316},"status":{"type":"string","enum":["True","False","Unknown"]},"reason":{"type":"string","maxLength":1024},"message":{"type":"string","maxLength":32768},"observedGeneration":{"type":"integer","minimum":0},"lastTransitionTime":{"type":"string","format":"date-time"}}},"Duration":{"type":"string","format":"duration","maxLength":64,"pattern":"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$","description":"A duration such as 250ms, 1.5s or 1m30s (units ns, us, ms, s, m, h).","title":"Duration"}}};
const schema63 = {"title":"RequestAuthenticationSpec","type":"object","additionalProperties":false,"properties":{"selector":{"title":"WorkloadSelector","type":"object","additionalProperties":false,"properties":{"matchLabels":{"type":"object","maxProperties":64,"additionalProperties":{"type":"string","maxLength":63}}},"description":"Workloads in this namespace the policy applies to; absent means all of them (every namespace when in the root namespace)."},"jwtRules":{"type":"array","maxItems":64,"items":{"$ref":"#/definitions/JWTRule"},"description":"The issuers whose tokens the workloads accept; a token from any one of them makes the request's principal (iss/sub)."}}};
const schema64 = {"title":"JWTRule","type":"object","additionalProperties":false,"required":["issuer"],"properties":{"issuer":{"type":"string","minLength":1,"maxLength":1024,"description":"The token's iss claim must be this; a token from another issuer is refused."},"audiences":{"type":"array","maxItems":64,"items":{"type":"string","maxLength":1024},"description":"A token must carry one of these in aud; absent: any audience."},"jwksUri":{"type":"string","minLength":1,"maxLength":2048,"description":"Where the issuer publishes its public keys (https). The control plane fetches the set, refreshes it every 20 minutes and sends it to the proxies inline. Absent (and no jwks): found by OpenID Connect discovery from the issuer."},"jwks":{"type":"string","minLength":1,"maxLength":65536,"description":"The issuer's public keys as a JSON Web Key Set document (a JSON string), instead of jwksUri."},"fromHeaders":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/JWTHeader"},"description":"Headers the token is taken from. Default (with fromParams and fromCookies absent): Authorization with the prefix \"Bearer \", then the access_token parameter."},"fromParams":{"type":"array","maxItems":16,"items":{"type":"string","minLength":1,"maxLength":256},"description":"Query parameters the token is taken from."},"fromCookies":{"type":"array","maxItems":16,"items":{"type":"string","minLength":1,"maxLength":256},"description":"Cookies the token is taken from."},"outputPayloadToHeader":{"type":"string","maxLength":256,"description":"A header the verified payload is sent upstream in (base64url of its JSON)."},"outputClaimToHeaders":{"type":"array","maxItems":32,"items":{"$ref":"#/definitions/ClaimToHeader"},"description":"Claims of a verified token copied into request headers."},"forwardOriginalToken":{"type":"boolean","description":"Keep the token's header on the request to the workload (default: removed after verification)."},"timeout":{"$ref":"#/definitions/Duration"}},"x-kubernetes-validations":[{"rule":"!(has(self.jwks) && has(self.jwksUri))","message":"set only one of jwks or jwksUri"}]};
const schema65 = {"title":"JWTHeader","type":"object","additionalProperties":false,"required":["name"],"properties":{"name":{"type":"string","minLength":1,"maxLength":256,"description":"The header name."},"prefix":{"type":"string","maxLength":256,"description":"Text before the token in the header's value, removed (such as \"Bearer \")."}}};
const schema66 = {"title":"ClaimToHeader","type":"object","additionalProperties":false,"required":["header","claim"],"properties":{"header":{"type":"string","minLength":1,"maxLength":256,"description":"The header to set."},"claim":{"type":"string","minLength":1,"maxLength":256,"description":"The claim to copy (a.b for a nested one); strings, numbers and booleans."}}};
const schema67 = {"type":"string","format":"duration","maxLength":64,"pattern":"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$","description":"A duration such as 250ms, 1.5s or 1m30s (units ns, us, ms, s, m, h).","title":"Duration"};

function validate51(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.issuer === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "issuer"},message:"must have required property '"+"issuer"+"'",schema:schema64.required,parentSchema:schema64,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(func8.call(schema64.properties, key0))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema64,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.issuer !== undefined){
let data0 = data.issuer;
if(typeof data0 === "string"){
if(func2(data0) > 1024){
const err2 = {instancePath:instancePath+"/issuer",schemaPath:"#/properties/issuer/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema64.properties.issuer,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(func2(data0) < 1){
const err3 = {instancePath:instancePath+"/issuer",schemaPath:"#/properties/issuer/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema64.properties.issuer,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/issuer",schemaPath:"#/properties/issuer/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema64.properties.issuer.type,parentSchema:schema64.properties.issuer,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.audiences !== undefined){
let data1 = data.audiences;
if(Array.isArray(data1)){
if(data1.length > 64){
const err5 = {instancePath:instancePath+"/audiences",schemaPath:"#/properties/audiences/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema64.properties.audiences,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
let data2 = data1[i0];
if(typeof data2 === "string"){
if(func2(data2) > 1024){
const err6 = {instancePath:instancePath+"/audiences/" + i0,schemaPath:"#/properties/audiences/items/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema64.properties.audiences.items,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/audiences/" + i0,schemaPath:"#/properties/audiences/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema64.properties.audiences.items.type,parentSchema:schema64.properties.audiences.items,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath:instancePath+"/audiences",schemaPath:"#/properties/audiences/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema64.properties.audiences.type,parentSchema:schema64.properties.audiences,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.jwksUri !== undefined){
let data3 = data.jwksUri;
if(typeof data3 === "string"){
if(func2(data3) > 2048){
const err9 = {instancePath:instancePath+"/jwksUri",schemaPath:"#/properties/jwksUri/maxLength",keyword:"maxLength",params:{limit: 2048},message:"must NOT have more than 2048 characters",schema:2048,parentSchema:schema64.properties.jwksUri,data:data3};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(func2(data3) < 1){
const err10 = {instancePath:instancePath+"/jwksUri",schemaPath:"#/properties/jwksUri/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema64.properties.jwksUri,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/jwksUri",schemaPath:"#/properties/jwksUri/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema64.properties.jwksUri.type,parentSchema:schema64.properties.jwksUri,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.jwks !== undefined){
let data4 = data.jwks;
if(typeof data4 === "string"){
if(func2(data4) > 65536){
const err12 = {instancePath:instancePath+"/jwks",schemaPath:"#/properties/jwks/maxLength",keyword:"maxLength",params:{limit: 65536},message:"must NOT have more than 65536 characters",schema:65536,parentSchema:schema64.properties.jwks,data:data4};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
if(func2(data4) < 1){
const err13 = {instancePath:instancePath+"/jwks",schemaPath:"#/properties/jwks/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema64.properties.jwks,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/jwks",schemaPath:"#/properties/jwks/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema64.properties.jwks.type,parentSchema:schema64.properties.jwks,data:data4};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.fromHeaders !== undefined){
let data5 = data.fromHeaders;
if(Array.isArray(data5)){
if(data5.length > 16){
const err15 = {instancePath:instancePath+"/fromHeaders",schemaPath:"#/properties/fromHeaders/maxItems",keyword:"maxItems",params:{limit: 16},message:"must NOT have more than 16 items",schema:16,parentSchema:schema64.properties.fromHeaders,data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
const len1 = data5.length;
for(let i1=0; i1<len1; i1++){
let data6 = data5[i1];
if(data6 && typeof data6 == "object" && !Array.isArray(data6)){
if(data6.name === undefined){
const err16 = {instancePath:instancePath+"/fromHeaders/" + i1,schemaPath:"#/definitions/JWTHeader/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema65.required,parentSchema:schema65,data:data6};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
for(const key1 in data6){
if(!((key1 === "name") || (key1 === "prefix"))){
const err17 = {instancePath:instancePath+"/fromHeaders/" + i1,schemaPath:"#/definitions/JWTHeader/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema65,data:data6};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data6.name !== undefined){
let data7 = data6.name;
if(typeof data7 === "string"){
if(func2(data7) > 256){
const err18 = {instancePath:instancePath+"/fromHeaders/" + i1+"/name",schemaPath:"#/definitions/JWTHeader/properties/name/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema65.properties.name,data:data7};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
if(func2(data7) < 1){
const err19 = {instancePath:instancePath+"/fromHeaders/" + i1+"/name",schemaPath:"#/definitions/JWTHeader/properties/name/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema65.properties.name,data:data7};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
else {
const err20 = {instancePath:instancePath+"/fromHeaders/" + i1+"/name",schemaPath:"#/definitions/JWTHeader/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema65.properties.name.type,parentSchema:schema65.properties.name,data:data7};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
if(data6.prefix !== undefined){
let data8 = data6.prefix;
if(typeof data8 === "string"){
if(func2(data8) > 256){
const err21 = {instancePath:instancePath+"/fromHeaders/" + i1+"/prefix",schemaPath:"#/definitions/JWTHeader/properties/prefix/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema65.properties.prefix,data:data8};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
else {
const err22 = {instancePath:instancePath+"/fromHeaders/" + i1+"/prefix",schemaPath:"#/definitions/JWTHeader/properties/prefix/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema65.properties.prefix.type,parentSchema:schema65.properties.prefix,data:data8};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
}
else {
const err23 = {instancePath:instancePath+"/fromHeaders/" + i1,schemaPath:"#/definitions/JWTHeader/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema65.type,parentSchema:schema65,data:data6};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
}
else {
const err24 = {instancePath:instancePath+"/fromHeaders",schemaPath:"#/properties/fromHeaders/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema64.properties.fromHeaders.type,parentSchema:schema64.properties.fromHeaders,data:data5};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
if(data.fromParams !== undefined){
let data9 = data.fromParams;
if(Array.isArray(data9)){
if(data9.length > 16){
const err25 = {instancePath:instancePath+"/fromParams",schemaPath:"#/properties/fromParams/maxItems",keyword:"maxItems",params:{limit: 16},message:"must NOT have more than 16 items",schema:16,parentSchema:schema64.properties.fromParams,data:data9};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
const len2 = data9.length;
for(let i2=0; i2<len2; i2++){
let data10 = data9[i2];
if(typeof data10 === "string"){
if(func2(data10) > 256){
const err26 = {instancePath:instancePath+"/fromParams/" + i2,schemaPath:"#/properties/fromParams/items/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema64.properties.fromParams.items,data:data10};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
if(func2(data10) < 1){
const err27 = {instancePath:instancePath+"/fromParams/" + i2,schemaPath:"#/properties/fromParams/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema64.properties.fromParams.items,data:data10};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
else {
const err28 = {instancePath:instancePath+"/fromParams/" + i2,schemaPath:"#/properties/fromParams/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema64.properties.fromParams.items.type,parentSchema:schema64.properties.fromParams.items,data:data10};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
}
else {
const err29 = {instancePath:instancePath+"/fromParams",schemaPath:"#/properties/fromParams/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema64.properties.fromParams.type,parentSchema:schema64.properties.fromParams,data:data9};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
if(data.fromCookies !== undefined){
let data11 = data.fromCookies;
if(Array.isArray(data11)){
if(data11.length > 16){
const err30 = {instancePath:instancePath+"/fromCookies",schemaPath:"#/properties/fromCookies/maxItems",keyword:"maxItems",params:{limit: 16},message:"must NOT have more than 16 items",schema:16,parentSchema:schema64.properties.fromCookies,data:data11};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
const len3 = data11.length;
for(let i3=0; i3<len3; i3++){
let data12 = data11[i3];
if(typeof data12 === "string"){
if(func2(data12) > 256){
const err31 = {instancePath:instancePath+"/fromCookies/" + i3,schemaPath:"#/properties/fromCookies/items/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema64.properties.fromCookies.items,data:data12};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
if(func2(data12) < 1){
const err32 = {instancePath:instancePath+"/fromCookies/" + i3,schemaPath:"#/properties/fromCookies/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema64.properties.fromCookies.items,data:data12};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
else {
const err33 = {instancePath:instancePath+"/fromCookies/" + i3,schemaPath:"#/properties/fromCookies/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema64.properties.fromCookies.items.type,parentSchema:schema64.properties.fromCookies.items,data:data12};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
}
else {
const err34 = {instancePath:instancePath+"/fromCookies",schemaPath:"#/properties/fromCookies/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema64.properties.fromCookies.type,parentSchema:schema64.properties.fromCookies,data:data11};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
if(data.outputPayloadToHeader !== undefined){
let data13 = data.outputPayloadToHeader;
if(typeof data13 === "string"){
if(func2(data13) > 256){
const err35 = {instancePath:instancePath+"/outputPayloadToHeader",schemaPath:"#/properties/outputPayloadToHeader/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema64.properties.outputPayloadToHeader,data:data13};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
else {
const err36 = {instancePath:instancePath+"/outputPayloadToHeader",schemaPath:"#/properties/outputPayloadToHeader/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema64.properties.outputPayloadToHeader.type,parentSchema:schema64.properties.outputPayloadToHeader,data:data13};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
}
if(data.outputClaimToHeaders !== undefined){
let data14 = data.outputClaimToHeaders;
if(Array.isArray(data14)){
if(data14.length > 32){
const err37 = {instancePath:instancePath+"/outputClaimToHeaders",schemaPath:"#/properties/outputClaimToHeaders/maxItems",keyword:"maxItems",params:{limit: 32},message:"must NOT have more than 32 items",schema:32,parentSchema:schema64.properties.outputClaimToHeaders,data:data14};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
const len4 = data14.length;
for(let i4=0; i4<len4; i4++){
let data15 = data14[i4];
if(data15 && typeof data15 == "object" && !Array.isArray(data15)){
if(data15.header === undefined){
const err38 = {instancePath:instancePath+"/outputClaimToHeaders/" + i4,schemaPath:"#/definitions/ClaimToHeader/required",keyword:"required",params:{missingProperty: "header"},message:"must have required property '"+"header"+"'",schema:schema66.required,parentSchema:schema66,data:data15};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
if(data15.claim === undefined){
const err39 = {instancePath:instancePath+"/outputClaimToHeaders/" + i4,schemaPath:"#/definitions/ClaimToHeader/required",keyword:"required",params:{missingProperty: "claim"},message:"must have required property '"+"claim"+"'",schema:schema66.required,parentSchema:schema66,data:data15};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
for(const key2 in data15){
if(!((key2 === "header") || (key2 === "claim"))){
const err40 = {instancePath:instancePath+"/outputClaimToHeaders/" + i4,schemaPath:"#/definitions/ClaimToHeader/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key2},message:"must NOT have additional properties",schema:false,parentSchema:schema66,data:data15};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
}
if(data15.header !== undefined){
let data16 = data15.header;
if(typeof data16 === "string"){
if(func2(data16) > 256){
const err41 = {instancePath:instancePath+"/outputClaimToHeaders/" + i4+"/header",schemaPath:"#/definitions/ClaimToHeader/properties/header/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema66.properties.header,data:data16};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
if(func2(data16) < 1){
const err42 = {instancePath:instancePath+"/outputClaimToHeaders/" + i4+"/header",schemaPath:"#/definitions/ClaimToHeader/properties/header/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema66.properties.header,data:data16};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
}
else {
const err43 = {instancePath:instancePath+"/outputClaimToHeaders/" + i4+"/header",schemaPath:"#/definitions/ClaimToHeader/properties/header/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema66.properties.header.type,parentSchema:schema66.properties.header,data:data16};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
}
if(data15.claim !== undefined){
let data17 = data15.claim;
if(typeof data17 === "string"){
if(func2(data17) > 256){
const err44 = {instancePath:instancePath+"/outputClaimToHeaders/" + i4+"/claim",schemaPath:"#/definitions/ClaimToHeader/properties/claim/maxLength",keyword:"maxLength",params:{limit: 256},message:"must NOT have more than 256 characters",schema:256,parentSchema:schema66.properties.claim,data:data17};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
if(func2(data17) < 1){
const err45 = {instancePath:instancePath+"/outputClaimToHeaders/" + i4+"/claim",schemaPath:"#/definitions/ClaimToHeader/properties/claim/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema66.properties.claim,data:data17};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
else {
const err46 = {instancePath:instancePath+"/outputClaimToHeaders/" + i4+"/claim",schemaPath:"#/definitions/ClaimToHeader/properties/claim/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema66.properties.claim.type,parentSchema:schema66.properties.claim,data:data17};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
}
}
else {
const err47 = {instancePath:instancePath+"/outputClaimToHeaders/" + i4,schemaPath:"#/definitions/ClaimToHeader/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema66.type,parentSchema:schema66,data:data15};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
}
}
else {
const err48 = {instancePath:instancePath+"/outputClaimToHeaders",schemaPath:"#/properties/outputClaimToHeaders/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema64.properties.outputClaimToHeaders.type,parentSchema:schema64.properties.outputClaimToHeaders,data:data14};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
}
if(data.forwardOriginalToken !== undefined){
let data18 = data.forwardOriginalToken;
if(typeof data18 !== "boolean"){
const err49 = {instancePath:instancePath+"/forwardOriginalToken",schemaPath:"#/properties/forwardOriginalToken/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema64.properties.forwardOriginalToken.type,parentSchema:schema64.properties.forwardOriginalToken,data:data18};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
}
if(data.timeout !== undefined){
let data19 = data.timeout;
if(typeof data19 === "string"){
if(func2(data19) > 64){
const err50 = {instancePath:instancePath+"/timeout",schemaPath:"#/definitions/Duration/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters",schema:64,parentSchema:schema67,data:data19};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
if(!pattern0.test(data19)){
const err51 = {instancePath:instancePath+"/timeout",schemaPath:"#/definitions/Duration/pattern",keyword:"pattern",params:{pattern: "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"},message:"must match pattern \""+"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"+"\"",schema:"^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$",parentSchema:schema67,data:data19};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
}
else {
const err52 = {instancePath:instancePath+"/timeout",schemaPath:"#/definitions/Duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema67.type,parentSchema:schema67,data:data19};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
}
}
else {
const err53 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema64.type,parentSchema:schema64,data};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
validate51.errors = vErrors;
return errors === 0;
}


function validate50(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((key0 === "selector") || (key0 === "jwtRules"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema63,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.selector !== undefined){
let data0 = data.selector;
if(data0 && typeof data0 == "object" && !Array.isArray(data0)){
for(const key1 in data0){
if(!(key1 === "matchLabels")){
const err1 = {instancePath:instancePath+"/selector",schemaPath:"#/properties/selector/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema63.properties.selector,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data0.matchLabels !== undefined){
let data1 = data0.matchLabels;
if(data1 && typeof data1 == "object" && !Array.isArray(data1)){
if(Object.keys(data1).length > 64){
const err2 = {instancePath:instancePath+"/selector/matchLabels",schemaPath:"#/properties/selector/properties/matchLabels/maxProperties",keyword:"maxProperties",params:{limit: 64},message:"must NOT have more than 64 properties",schema:64,parentSchema:schema63.properties.selector.properties.matchLabels,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
for(const key2 in data1){
let data2 = data1[key2];
if(typeof data2 === "string"){
if(func2(data2) > 63){
const err3 = {instancePath:instancePath+"/selector/matchLabels/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/selector/properties/matchLabels/additionalProperties/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema63.properties.selector.properties.matchLabels.additionalProperties,data:data2};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/selector/matchLabels/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/selector/properties/matchLabels/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema63.properties.selector.properties.matchLabels.additionalProperties.type,parentSchema:schema63.properties.selector.properties.matchLabels.additionalProperties,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
}
else {
const err5 = {instancePath:instancePath+"/selector/matchLabels",schemaPath:"#/properties/selector/properties/matchLabels/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema63.properties.selector.properties.matchLabels.type,parentSchema:schema63.properties.selector.properties.matchLabels,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath:instancePath+"/selector",schemaPath:"#/properties/selector/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema63.properties.selector.type,parentSchema:schema63.properties.selector,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.jwtRules !== undefined){
let data3 = data.jwtRules;
if(Array.isArray(data3)){
if(data3.length > 64){
const err7 = {instancePath:instancePath+"/jwtRules",schemaPath:"#/properties/jwtRules/maxItems",keyword:"maxItems",params:{limit: 64},message:"must NOT have more than 64 items",schema:64,parentSchema:schema63.properties.jwtRules,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
const len0 = data3.length;
for(let i0=0; i0<len0; i0++){
if(!(validate51(data3[i0], {instancePath:instancePath+"/jwtRules/" + i0,parentData:data3,parentDataProperty:i0,rootData}))){
vErrors = vErrors === null ? validate51.errors : vErrors.concat(validate51.errors);
errors = vErrors.length;
}
}
}
else {
const err8 = {instancePath:instancePath+"/jwtRules",schemaPath:"#/properties/jwtRules/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema63.properties.jwtRules.type,parentSchema:schema63.properties.jwtRules,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
else {
const err9 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema63.type,parentSchema:schema63,data};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
validate50.errors = vErrors;
return errors === 0;
}

const schema68 = {"title":"ResourceStatus","type":"object","additionalProperties":false,"properties":{"observedGeneration":{"type":"integer","minimum":0},"conditions":{"type":"array","maxItems":16,"items":{"$ref":"#/definitions/Condition"}}}};
const schema69 = {"title":"Condition","type":"object","additionalProperties":false,"required":["type","status"],"properties":{"type":{"type":"string","maxLength":316},"status":{"type":"string","enum":["True","False","Unknown"]},"reason":{"type":"string","maxLength":1024},"message":{"type":"string","maxLength":32768},"observedGeneration":{"type":"integer","minimum":0},"lastTransitionTime":{"type":"string","format":"date-time"}}};

function validate54(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((key0 === "observedGeneration") || (key0 === "conditions"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema68,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.observedGeneration !== undefined){
let data0 = data.observedGeneration;
if(!(((typeof data0 == "number") && (!(data0 % 1) && !isNaN(data0))) && (isFinite(data0)))){
const err1 = {instancePath:instancePath+"/observedGeneration",schemaPath:"#/properties/observedGeneration/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema68.properties.observedGeneration.type,parentSchema:schema68.properties.observedGeneration,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if((typeof data0 == "number") && (isFinite(data0))){
if(data0 < 0 || isNaN(data0)){
const err2 = {instancePath:instancePath+"/observedGeneration",schemaPath:"#/properties/observedGeneration/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema68.properties.observedGeneration,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
}
if(data.conditions !== undefined){
let data1 = data.conditions;
if(Array.isArray(data1)){
if(data1.length > 16){
const err3 = {instancePath:instancePath+"/conditions",schemaPath:"#/properties/conditions/maxItems",keyword:"maxItems",params:{limit: 16},message:"must NOT have more than 16 items",schema:16,parentSchema:schema68.properties.conditions,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
const len0 = data1.length;
for(let i0=0; i0<len0; i0++){
let data2 = data1[i0];
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.type === undefined){
const err4 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema69.required,parentSchema:schema69,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(data2.status === undefined){
const err5 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/required",keyword:"required",params:{missingProperty: "status"},message:"must have required property '"+"status"+"'",schema:schema69.required,parentSchema:schema69,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
for(const key1 in data2){
if(!((((((key1 === "type") || (key1 === "status")) || (key1 === "reason")) || (key1 === "message")) || (key1 === "observedGeneration")) || (key1 === "lastTransitionTime"))){
const err6 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key1},message:"must NOT have additional properties",schema:false,parentSchema:schema69,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data2.type !== undefined){
let data3 = data2.type;
if(typeof data3 === "string"){
if(func2(data3) > 316){
const err7 = {instancePath:instancePath+"/conditions/" + i0+"/type",schemaPath:"#/definitions/Condition/properties/type/maxLength",keyword:"maxLength",params:{limit: 316},message:"must NOT have more than 316 characters",schema:316,parentSchema:schema69.properties.type,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/conditions/" + i0+"/type",schemaPath:"#/definitions/Condition/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema69.properties.type.type,parentSchema:schema69.properties.type,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data2.status !== undefined){
let data4 = data2.status;
if(typeof data4 !== "string"){
const err9 = {instancePath:instancePath+"/conditions/" + i0+"/status",schemaPath:"#/definitions/Condition/properties/status/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema69.properties.status.type,parentSchema:schema69.properties.status,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(!(((data4 === "True") || (data4 === "False")) || (data4 === "Unknown"))){
const err10 = {instancePath:instancePath+"/conditions/" + i0+"/status",schemaPath:"#/definitions/Condition/properties/status/enum",keyword:"enum",params:{allowedValues: schema69.properties.status.enum},message:"must be equal to one of the allowed values",schema:schema69.properties.status.enum,parentSchema:schema69.properties.status,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data2.reason !== undefined){
let data5 = data2.reason;
if(typeof data5 === "string"){
if(func2(data5) > 1024){
const err11 = {instancePath:instancePath+"/conditions/" + i0+"/reason",schemaPath:"#/definitions/Condition/properties/reason/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters",schema:1024,parentSchema:schema69.properties.reason,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/conditions/" + i0+"/reason",schemaPath:"#/definitions/Condition/properties/reason/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema69.properties.reason.type,parentSchema:schema69.properties.reason,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data2.message !== undefined){
let data6 = data2.message;
if(typeof data6 === "string"){
if(func2(data6) > 32768){
const err13 = {instancePath:instancePath+"/conditions/" + i0+"/message",schemaPath:"#/definitions/Condition/properties/message/maxLength",keyword:"maxLength",params:{limit: 32768},message:"must NOT have more than 32768 characters",schema:32768,parentSchema:schema69.properties.message,data:data6};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/conditions/" + i0+"/message",schemaPath:"#/definitions/Condition/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema69.properties.message.type,parentSchema:schema69.properties.message,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data2.observedGeneration !== undefined){
let data7 = data2.observedGeneration;
if(!(((typeof data7 == "number") && (!(data7 % 1) && !isNaN(data7))) && (isFinite(data7)))){
const err15 = {instancePath:instancePath+"/conditions/" + i0+"/observedGeneration",schemaPath:"#/definitions/Condition/properties/observedGeneration/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema69.properties.observedGeneration.type,parentSchema:schema69.properties.observedGeneration,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if((typeof data7 == "number") && (isFinite(data7))){
if(data7 < 0 || isNaN(data7)){
const err16 = {instancePath:instancePath+"/conditions/" + i0+"/observedGeneration",schemaPath:"#/definitions/Condition/properties/observedGeneration/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema69.properties.observedGeneration,data:data7};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
if(data2.lastTransitionTime !== undefined){
let data8 = data2.lastTransitionTime;
if(typeof data8 === "string"){
if(!(formats0.test(data8))){
const err17 = {instancePath:instancePath+"/conditions/" + i0+"/lastTransitionTime",schemaPath:"#/definitions/Condition/properties/lastTransitionTime/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\"",schema:"date-time",parentSchema:schema69.properties.lastTransitionTime,data:data8};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
else {
const err18 = {instancePath:instancePath+"/conditions/" + i0+"/lastTransitionTime",schemaPath:"#/definitions/Condition/properties/lastTransitionTime/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema69.properties.lastTransitionTime.type,parentSchema:schema69.properties.lastTransitionTime,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/conditions/" + i0,schemaPath:"#/definitions/Condition/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema69.type,parentSchema:schema69,data:data2};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
}
else {
const err20 = {instancePath:instancePath+"/conditions",schemaPath:"#/properties/conditions/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema68.properties.conditions.type,parentSchema:schema68.properties.conditions,data:data1};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema68.type,parentSchema:schema68,data};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
validate54.errors = vErrors;
return errors === 0;
}


function validate49(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
/*# sourceURL="https://weft.dev/schemas/v1alpha1/requestauthentication.json" */;
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.apiVersion === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "apiVersion"},message:"must have required property '"+"apiVersion"+"'",schema:schema62.required,parentSchema:schema62,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.kind === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'",schema:schema62.required,parentSchema:schema62,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.metadata === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "metadata"},message:"must have required property '"+"metadata"+"'",schema:schema62.required,parentSchema:schema62,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.spec === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "spec"},message:"must have required property '"+"spec"+"'",schema:schema62.required,parentSchema:schema62,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
for(const key0 in data){
if(!(((((key0 === "apiVersion") || (key0 === "kind")) || (key0 === "metadata")) || (key0 === "spec")) || (key0 === "status"))){
const err4 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema62,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.apiVersion !== undefined){
let data0 = data.apiVersion;
if(typeof data0 !== "string"){
const err5 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.properties.apiVersion.type,parentSchema:schema62.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if("weft.dev/v1alpha1" !== data0){
const err6 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/const",keyword:"const",params:{allowedValue: "weft.dev/v1alpha1"},message:"must be equal to constant",schema:"weft.dev/v1alpha1",parentSchema:schema62.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.kind !== undefined){
let data1 = data.kind;
if(typeof data1 !== "string"){
const err7 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.properties.kind.type,parentSchema:schema62.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if("RequestAuthentication" !== data1){
const err8 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/const",keyword:"const",params:{allowedValue: "RequestAuthentication"},message:"must be equal to constant",schema:"RequestAuthentication",parentSchema:schema62.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.metadata !== undefined){
let data2 = data.metadata;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.name === undefined){
const err9 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema62.properties.metadata.required,parentSchema:schema62.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(data2.name !== undefined){
let data3 = data2.name;
if(typeof data3 === "string"){
if(func2(data3) > 253){
const err10 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/properties/metadata/properties/name/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema62.properties.metadata.properties.name,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/metadata/name",schemaPath:"#/properties/metadata/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.properties.metadata.properties.name.type,parentSchema:schema62.properties.metadata.properties.name,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data2.namespace !== undefined){
let data4 = data2.namespace;
if(typeof data4 === "string"){
if(func2(data4) > 63){
const err12 = {instancePath:instancePath+"/metadata/namespace",schemaPath:"#/properties/metadata/properties/namespace/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters",schema:63,parentSchema:schema62.properties.metadata.properties.namespace,data:data4};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/metadata/namespace",schemaPath:"#/properties/metadata/properties/namespace/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.properties.metadata.properties.namespace.type,parentSchema:schema62.properties.metadata.properties.namespace,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data2.labels !== undefined){
let data5 = data2.labels;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(Object.keys(data5).length > 256){
const err14 = {instancePath:instancePath+"/metadata/labels",schemaPath:"#/properties/metadata/properties/labels/maxProperties",keyword:"maxProperties",params:{limit: 256},message:"must NOT have more than 256 properties",schema:256,parentSchema:schema62.properties.metadata.properties.labels,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
for(const key1 in data5){
let data6 = data5[key1];
if(typeof data6 !== "string"){
const err15 = {instancePath:instancePath+"/metadata/labels/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/metadata/properties/labels/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.properties.metadata.properties.labels.additionalProperties.type,parentSchema:schema62.properties.metadata.properties.labels.additionalProperties,data:data6};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath:instancePath+"/metadata/labels",schemaPath:"#/properties/metadata/properties/labels/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema62.properties.metadata.properties.labels.type,parentSchema:schema62.properties.metadata.properties.labels,data:data5};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data2.annotations !== undefined){
let data7 = data2.annotations;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
if(Object.keys(data7).length > 256){
const err17 = {instancePath:instancePath+"/metadata/annotations",schemaPath:"#/properties/metadata/properties/annotations/maxProperties",keyword:"maxProperties",params:{limit: 256},message:"must NOT have more than 256 properties",schema:256,parentSchema:schema62.properties.metadata.properties.annotations,data:data7};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
for(const key2 in data7){
let data8 = data7[key2];
if(typeof data8 !== "string"){
const err18 = {instancePath:instancePath+"/metadata/annotations/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/metadata/properties/annotations/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema62.properties.metadata.properties.annotations.additionalProperties.type,parentSchema:schema62.properties.metadata.properties.annotations.additionalProperties,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
else {
const err19 = {instancePath:instancePath+"/metadata/annotations",schemaPath:"#/properties/metadata/properties/annotations/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema62.properties.metadata.properties.annotations.type,parentSchema:schema62.properties.metadata.properties.annotations,data:data7};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data2.generation !== undefined){
let data9 = data2.generation;
if(!(((typeof data9 == "number") && (!(data9 % 1) && !isNaN(data9))) && (isFinite(data9)))){
const err20 = {instancePath:instancePath+"/metadata/generation",schemaPath:"#/properties/metadata/properties/generation/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema62.properties.metadata.properties.generation.type,parentSchema:schema62.properties.metadata.properties.generation,data:data9};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema62.properties.metadata.type,parentSchema:schema62.properties.metadata,data:data2};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.spec !== undefined){
if(!(validate50(data.spec, {instancePath:instancePath+"/spec",parentData:data,parentDataProperty:"spec",rootData}))){
vErrors = vErrors === null ? validate50.errors : vErrors.concat(validate50.errors);
errors = vErrors.length;
}
}
if(data.status !== undefined){
if(!(validate54(data.status, {instancePath:instancePath+"/status",parentData:data,parentDataProperty:"status",rootData}))){
vErrors = vErrors === null ? validate54.errors : vErrors.concat(validate54.errors);
errors = vErrors.length;
}
}
}
else {
const err22 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema62.type,parentSchema:schema62,data};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
validate49.errors = vErrors;
return errors === 0;
}

