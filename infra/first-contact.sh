#!/usr/bin/env bash
# Prints a copy-paste example against a running service: create a swarm, join it, broadcast, read events.
# Usage: infra/first-contact.sh <base-url ending in /api> <tenant key>. Needs curl and node (for JSON).
set -euo pipefail
BASE="$1"; KEY="$2"
cat <<EXAMPLE
export BASE=$BASE KEY=$KEY
# 1. Create a swarm with the tenant key: you get its id, a join code and a coordinator token.
SWARM=\$(curl -s -X POST "\$BASE/swarms" -H "Authorization: Bearer \$KEY" -H 'Content-Type: application/json' -d '{"name":"demo","goal":"first contact","maxAgents":5}')
SWARM_ID=\$(node -pe 'JSON.parse(process.argv[1]).swarmId' "\$SWARM"); JOIN_CODE=\$(node -pe 'JSON.parse(process.argv[1]).joinCode' "\$SWARM")
# 2. Join as a worker with the join code alone: you get an agent token.
WORKER=\$(curl -s -X POST "\$BASE/swarms/join" -H 'Content-Type: application/json' -d "{\"joinCode\":\"\$JOIN_CODE\",\"role\":\"worker\",\"agentId\":\"worker-1\"}")
TOKEN=\$(node -pe 'JSON.parse(process.argv[1]).token' "\$WORKER")
# 3. Broadcast an event as that worker.
curl -s -X POST "\$BASE/swarms/\$SWARM_ID/events" -H "Authorization: Bearer \$TOKEN" -H 'Content-Type: application/json' -d '{"type":"phase_complete","data":{"phase":1}}'; echo
# 4. Read the swarm's event log: {"items":[…],"nextCursor","hasMore"}; continue with ?cursor=<nextCursor> (or stream it: curl -N "\$BASE/swarms/\$SWARM_ID/events/stream" -H "Authorization: Bearer \$TOKEN").
curl -s "\$BASE/swarms/\$SWARM_ID/events" -H "Authorization: Bearer \$TOKEN"; echo
EXAMPLE
