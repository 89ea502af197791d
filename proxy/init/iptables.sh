#!/bin/sh
# Redirects a Pod's TCP traffic through its Weft sidecar, in the Pod's network
# namespace, the way istio-iptables does (REDIRECT mode). Run by the injected
# init container (`weft proxy-init`, which validates the settings and execs
# this script) and by the network-namespace end-to-end test, so the rules that
# are tested are the rules Pods get. POSIX sh: the image may have no bash.
#
#   iptables.sh apply     install the rules (default); re-running replaces them, never duplicates
#   iptables.sh clean     remove every rule and chain this script installs
#   iptables.sh dry-run   print what `apply` would load, change nothing
#
# Settings, from the environment (the init container's contract, see
# operator/k8s/webhook/inject.ts):
#   WEFT_PROXY_UID               the proxy's uid: its own traffic is never redirected (no loops)
#   WEFT_PROXY_GID               the proxy's gid, exempted the same way (default: WEFT_PROXY_UID)
#   WEFT_INBOUND_PORT            where inbound connections go (virtualInbound, 15006)
#   WEFT_OUTBOUND_PORT           where outbound connections go (virtualOutbound, 15001)
#   WEFT_EXCLUDE_INBOUND_PORTS   comma-separated ports reached directly from outside the Pod
#   WEFT_EXCLUDE_OUTBOUND_PORTS  comma-separated destination ports the app reaches directly
#   WEFT_IPTABLES                the iptables command (default: iptables, whichever backend
#                                it is: nft or legacy; iptables-legacy / iptables-nft to choose)
#
# The nat table gets four chains:
#   PREROUTING -p tcp -> WEFT_INBOUND:   excluded ports RETURN, everything else -> WEFT_IN_REDIRECT
#   WEFT_IN_REDIRECT:                    REDIRECT to the inbound port
#   OUTPUT -p tcp -> WEFT_OUTPUT:        excluded ports, the proxy's own traffic and loopback
#                                        RETURN; everything else -> WEFT_REDIRECT
#   WEFT_REDIRECT:                       REDIRECT to the outbound port
# IPv4 only: IPv6 traffic is not intercepted (docs/interception.md).
#
# Exit status: 0 done, 2 bad settings, 3 iptables not installed, 4 not permitted
# (needs root with NET_ADMIN and NET_RAW), 5 iptables refused the rules.

set -u

me="weft proxy-init"
mode="${1:-apply}"
ipt="${WEFT_IPTABLES:-iptables}"

fail() {
  code=$1
  shift
  printf '%s: %s\n' "$me" "$*" >&2
  exit "$code"
}

case "$mode" in
  apply | clean | dry-run) ;;
  *) fail 2 "unknown mode \"$mode\": use apply, clean or dry-run" ;;
esac

is_port() {
  case "$1" in
    '' | *[!0-9]*) return 1 ;;
  esac
  [ "${#1}" -le 5 ] && [ "$1" -ge 1 ] && [ "$1" -le 65535 ]
}

is_id() {
  case "$1" in
    '' | *[!0-9]*) return 1 ;;
  esac
  [ "${#1}" -le 10 ]
}

# A comma-separated port list, printed one per line; fails naming the variable.
ports_of() {
  name=$1
  value=$2
  old_ifs=$IFS
  IFS=','
  for p in $value; do
    p=$(printf '%s' "$p" | tr -d ' ')
    [ -z "$p" ] && continue
    is_port "$p" || { IFS=$old_ifs; fail 2 "$name: \"$p\" is not a port (1 to 65535); write a comma-separated list such as 8080,9090"; }
    printf '%s\n' "$p"
  done
  IFS=$old_ifs
}

uid="${WEFT_PROXY_UID:-}"
gid="${WEFT_PROXY_GID:-$uid}"
in_port="${WEFT_INBOUND_PORT:-}"
out_port="${WEFT_OUTBOUND_PORT:-}"

if [ "$mode" != clean ]; then
  is_id "$uid" || fail 2 "WEFT_PROXY_UID: \"$uid\" is not a uid; set it to the proxy container's runAsUser (1337)"
  is_id "$gid" || fail 2 "WEFT_PROXY_GID: \"$gid\" is not a gid"
  is_port "$in_port" || fail 2 "WEFT_INBOUND_PORT: \"$in_port\" is not a port; set it to the proxy's inbound port (15006)"
  is_port "$out_port" || fail 2 "WEFT_OUTBOUND_PORT: \"$out_port\" is not a port; set it to the proxy's outbound port (15001)"
  [ "$in_port" != "$out_port" ] || fail 2 "WEFT_INBOUND_PORT and WEFT_OUTBOUND_PORT are both $in_port: they must differ"
  exclude_in=$(ports_of WEFT_EXCLUDE_INBOUND_PORTS "${WEFT_EXCLUDE_INBOUND_PORTS:-}") || exit 2
  exclude_out=$(ports_of WEFT_EXCLUDE_OUTBOUND_PORTS "${WEFT_EXCLUDE_OUTBOUND_PORTS:-}") || exit 2
fi

# The whole set of chains, as iptables-restore input: loaded in one call with
# --noflush, which empties and refills our chains (created when missing) and
# leaves every other chain alone, so re-running replaces rather than appends.
rules() {
  echo '*nat'
  echo ':WEFT_INBOUND - [0:0]'
  echo ':WEFT_IN_REDIRECT - [0:0]'
  echo ':WEFT_OUTPUT - [0:0]'
  echo ':WEFT_REDIRECT - [0:0]'
  echo "-A WEFT_IN_REDIRECT -p tcp -j REDIRECT --to-ports $in_port"
  echo "-A WEFT_REDIRECT -p tcp -j REDIRECT --to-ports $out_port"
  for p in $exclude_in; do
    echo "-A WEFT_INBOUND -p tcp -m tcp --dport $p -j RETURN"
  done
  echo '-A WEFT_INBOUND -p tcp -j WEFT_IN_REDIRECT'
  for p in $exclude_out; do
    echo "-A WEFT_OUTPUT -p tcp -m tcp --dport $p -j RETURN"
  done
  # The proxy calling its own Pod's address (the app called its own Service and
  # the proxy picked this Pod): that goes over lo, and must reach the inbound
  # side, as it would from another Pod. The proxy's hop to the app on 127.0.0.1
  # is not this.
  echo "-A WEFT_OUTPUT ! -d 127.0.0.1/32 -o lo -m owner --uid-owner $uid -j WEFT_IN_REDIRECT"
  # The app talking to its own Pod over loopback stays direct.
  echo "-A WEFT_OUTPUT -o lo -m owner ! --uid-owner $uid -j RETURN"
  # The proxy's own connections (upstreams, xDS, the CA) leave as they are: no loop.
  echo "-A WEFT_OUTPUT -m owner --uid-owner $uid -j RETURN"
  echo "-A WEFT_OUTPUT ! -d 127.0.0.1/32 -o lo -m owner --gid-owner $gid -j WEFT_IN_REDIRECT"
  echo "-A WEFT_OUTPUT -o lo -m owner ! --gid-owner $gid -j RETURN"
  echo "-A WEFT_OUTPUT -m owner --gid-owner $gid -j RETURN"
  echo '-A WEFT_OUTPUT -d 127.0.0.1/32 -j RETURN'
  echo '-A WEFT_OUTPUT -j WEFT_REDIRECT'
  echo 'COMMIT'
}

# The hooks into the built-in chains, one each.
JUMPS='PREROUTING WEFT_INBOUND
OUTPUT WEFT_OUTPUT'

if [ "$mode" = dry-run ]; then
  echo "# $ipt-restore --noflush <<EOF"
  rules
  echo '# EOF'
  echo "$JUMPS" | while read -r chain target; do
    echo "# unless present: $ipt -t nat -A $chain -p tcp -j $target"
  done
  exit 0
fi

command -v "$ipt" >/dev/null 2>&1 ||
  fail 3 "$ipt not found: install iptables (Debian: apt-get install -y iptables) or set WEFT_IPTABLES to the iptables command"
command -v "$ipt-restore" >/dev/null 2>&1 ||
  fail 3 "$ipt-restore not found: it comes with iptables; install the whole iptables package"

# Reading the nat table needs what writing it needs: root with NET_ADMIN (and NET_RAW).
if ! probe=$("$ipt" -t nat -S 2>&1 >/dev/null); then
  fail 4 "cannot use the nat table with $ipt: ${probe:-no reason given}. The init container needs root with the NET_ADMIN and NET_RAW capabilities in the Pod's network namespace"
fi

if [ "$mode" = clean ]; then
  echo "$JUMPS" | while read -r chain target; do
    while "$ipt" -t nat -D "$chain" -p tcp -j "$target" 2>/dev/null; do :; done
  done
  for c in WEFT_INBOUND WEFT_OUTPUT WEFT_IN_REDIRECT WEFT_REDIRECT; do
    if "$ipt" -t nat -S "$c" >/dev/null 2>&1; then
      "$ipt" -t nat -F "$c" && "$ipt" -t nat -X "$c" || fail 5 "could not remove chain $c"
    fi
  done
  echo "$me: removed the Weft rules ($ipt)"
  exit 0
fi

if ! out=$(rules | "$ipt-restore" --noflush 2>&1); then
  fail 5 "$ipt-restore refused the rules: $out"
fi
echo "$JUMPS" | while read -r chain target; do
  if ! "$ipt" -t nat -C "$chain" -p tcp -j "$target" 2>/dev/null; then
    "$ipt" -t nat -A "$chain" -p tcp -j "$target" || exit 5
  fi
done || fail 5 "could not hook the Weft chains into PREROUTING and OUTPUT"
echo "$me: inbound -> $in_port, outbound -> $out_port, proxy uid $uid gid $gid exempt, excluded inbound [$(echo $exclude_in | tr ' ' ',')] outbound [$(echo $exclude_out | tr ' ' ',')] ($ipt)"
