# shellcheck shell=bash
# Shared plumbing for the infra scripts: npm tools, free ports, Azurite start/stop.
# Needs only bash, the .NET SDK and Node.js (with npm).

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

# Installs the pinned npm tools (Azurite, interop clients) from the committed lockfile when missing or stale.
ensure_npm_tools() {
  local root="$1"
  if [[ ! -x "$root/node_modules/.bin/azurite" || "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]]; then
    echo "Installing pinned npm tools (Azurite, interop clients)..." >&2
    (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

# Prints a TCP port that is free on 127.0.0.1 right now.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# Waits until 127.0.0.1:$1 accepts connections, at most $2 seconds.
wait_for_port() {
  local port="$1" limit="$2" waited=0
  until node -e 'const c=require("net").connect(+process.argv[1],"127.0.0.1");c.on("connect",()=>process.exit(0));c.on("error",()=>process.exit(1));' "$port" 2>/dev/null; do
    sleep 0.2
    waited=$((waited + 1))
    if (( waited > limit * 5 )); then return 1; fi
  done
}

# start_azurite ROOT BLOB_PORT QUEUE_PORT TABLE_PORT LOCATION|inmemory LOGFILE: starts Azurite on 127.0.0.1 in the
# background and sets AZURITE_PID. Telemetry off; API version check skipped (our x-ms-version may be newer).
start_azurite() {
  local root="$1" blob="$2" queue="$3" table="$4" location="$5" log="$6"
  local persistence=(--inMemoryPersistence)
  if [[ "$location" != "inmemory" ]]; then
    mkdir -p "$location"
    persistence=(--location "$location")
  fi
  "$root/node_modules/.bin/azurite" --silent --disableTelemetry --skipApiVersionCheck "${persistence[@]}" \
    --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" \
    --tableHost 127.0.0.1 --tablePort "$table" >"$log" 2>&1 &
  # shellcheck disable=SC2034 # read by the caller
  AZURITE_PID=$!
  for port in "$blob" "$queue" "$table"; do
    if ! wait_for_port "$port" 30; then
      echo "Azurite did not start on port $port; its log ($log):" >&2
      cat "$log" >&2
      return 1
    fi
  done
}

stop_process() {
  local pid="$1"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
}

# The connection string for an Azurite on the given ports, well-known development account.
azurite_connection_string() {
  local blob="$1" queue="$2" table="$3"
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  echo "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
}

# Random lower-case hex of $1 bytes, from the kernel's CSPRNG (no openssl needed).
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# A new tenant API key: 'ck_' + 32 random bytes in hex (the app needs 'ck_' + 17 or more characters).
new_tenant_key() { echo "ck_$(random_hex 32)"; }

# New agent-token signing keys 'keyId:secret' with a dated key id and a 64-character secret (the app needs 32+).
new_signing_keys() { echo "k$(date -u +%Y%m%d):$(random_hex 32)"; }
