#!/usr/bin/env bash
# Runs Offload's main job end to end on this machine:
#   local RabbitMQ and PostgreSQL (started or installed if needed), a mail catcher (GreenMail),
#   the sales data seeded, api-service and report-worker started from their jars; then one
#   report is requested the way a frontend would, its status followed, and the email printed.
# The services keep running afterwards so you can try the API; `scripts/demo.sh stop` stops them.
#
# Settings (environment): ORDERS (seeded orders, default 100000), API_PORT (8080),
# WORKER_PORT (8081), SMTP_PORT (3025), MAIL_API_PORT (8025), DB_NAME (offload).
set -euo pipefail
cd "$(dirname "$0")/.."

ORDERS="${ORDERS:-100000}"
API_PORT="${API_PORT:-8080}"
WORKER_PORT="${WORKER_PORT:-8081}"
SMTP_PORT="${SMTP_PORT:-3025}"
MAIL_API_PORT="${MAIL_API_PORT:-8025}"
DB_NAME="${DB_NAME:-offload}"
RUN_DIR=".run-local"
VERSION="0.1.0-SNAPSHOT"
GREENMAIL_VERSION="2.1.13"
API_JAR="api-service/target/api-service-$VERSION-exec.jar"
WORKER_JAR="report-worker/target/report-worker-$VERSION-exec.jar"
USER_NAME=alice
USER_PASSWORD=alice-secret
USER_EMAIL=alice@example.com

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

stop_all() {
  for name in report-worker api-service mail-catcher; do
    if [ -f "$RUN_DIR/$name.pid" ]; then
      pid=$(cat "$RUN_DIR/$name.pid")
      if kill -0 "$pid" 2>/dev/null; then
        echo "stopping $name (pid $pid)"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      fi
      rm -f "$RUN_DIR/$name.pid"
    fi
  done
}

if [ "${1:-}" = "stop" ]; then
  stop_all
  exit 0
fi

wait_http() { # name url seconds
  for _ in $(seq 1 "$3"); do
    if curl -fsS -o /dev/null "$2" 2>/dev/null; then return 0; fi
    sleep 1
  done
  echo "$1 did not answer at $2 within $3 s; see $RUN_DIR/$1.log" >&2
  exit 1
}

start_bg() { # name command...
  local name=$1; shift
  "$@" >"$RUN_DIR/$name.log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
  echo "started $name (pid $!), log $RUN_DIR/$name.log"
}

mkdir -p "$RUN_DIR"
stop_all

say "Local RabbitMQ and PostgreSQL"
bash scripts/local-services.sh
# Operators watch the queues in RabbitMQ's management UI: turn it on (the plugin ships with
# RabbitMQ; enabling it needs no restart). guest/guest signs in there from this machine only.
RABBIT_UI="not available"
if rabbitmq-plugins enable rabbitmq_management >"$RUN_DIR/rabbitmq-plugins.log" 2>&1; then
  for _ in $(seq 1 30); do
    if curl -fsS -o /dev/null -u guest:guest http://127.0.0.1:15672/api/overview 2>/dev/null; then
      RABBIT_UI="http://127.0.0.1:15672/                         (guest/guest, from this machine)"
      break
    fi
    sleep 1
  done
else
  echo "could not enable the management plugin (see $RUN_DIR/rabbitmq-plugins.log); run: rabbitmq-plugins enable rabbitmq_management"
fi
echo "RabbitMQ management UI: $RABBIT_UI"

say "Building the services (./mvnw package, tests skipped: run them with ./mvnw verify)"
./mvnw -q -ntp -DskipTests package
GREENMAIL_JAR="$RUN_DIR/greenmail-standalone-$GREENMAIL_VERSION.jar"
if [ ! -f "$GREENMAIL_JAR" ]; then
  ./mvnw -q -ntp dependency:copy -Dartifact="com.icegreen:greenmail-standalone:$GREENMAIL_VERSION" \
    -DoutputDirectory="$RUN_DIR"
fi

say "Database '$DB_NAME'"
if ! psql -h 127.0.0.1 -U postgres -w -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" postgres | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -w -c "CREATE DATABASE $DB_NAME" postgres
fi
DB_URL="jdbc:postgresql://127.0.0.1:5432/$DB_NAME"

say "Mail catcher (GreenMail): SMTP on $SMTP_PORT, messages at http://127.0.0.1:$MAIL_API_PORT/api/user/$USER_EMAIL/messages/INBOX"
start_bg mail-catcher java -Dgreenmail.smtp.hostname=127.0.0.1 -Dgreenmail.smtp.port="$SMTP_PORT" \
  -Dgreenmail.auth.disabled -Dgreenmail.api.hostname=127.0.0.1 -Dgreenmail.api.port="$MAIL_API_PORT" \
  -jar "$GREENMAIL_JAR"
wait_http mail-catcher "http://127.0.0.1:$MAIL_API_PORT/api/service/readiness" 60

say "Seeding $ORDERS orders of sales data (deterministic; re-running replaces them)"
java -jar "$WORKER_JAR" --spring.profiles.active=local,seed --offload.seed.orders="$ORDERS" \
  --spring.datasource.url="$DB_URL" >"$RUN_DIR/seeder.log" 2>&1 || { cat "$RUN_DIR/seeder.log"; exit 1; }
grep -E "Seeded" "$RUN_DIR/seeder.log" | sed 's/.*\] //' || true

say "Starting api-service on :$API_PORT and report-worker (management on :$WORKER_PORT)"
start_bg api-service java -jar "$API_JAR" --spring.profiles.active=local --server.port="$API_PORT" --spring.datasource.url="$DB_URL"
wait_http api-service "http://127.0.0.1:$API_PORT/actuator/health" 120
start_bg report-worker java -jar "$WORKER_JAR" --spring.profiles.active=local --server.port="$WORKER_PORT" --spring.datasource.url="$DB_URL" \
  --spring.mail.host=127.0.0.1 --spring.mail.port="$SMTP_PORT" \
  --offload.worker.email.download-base-url="http://127.0.0.1:$API_PORT"
wait_http report-worker "http://127.0.0.1:$WORKER_PORT/actuator/health" 120

say "The catalogue: GET /api/report-types (registered by the worker at start-up)"
for _ in $(seq 1 30); do
  CATALOGUE=$(curl -sS "http://127.0.0.1:$API_PORT/api/report-types")
  printf '%s' "$CATALOGUE" | grep -q ORDER_EXPORT && break
  sleep 1
done
printf '%s' "$CATALOGUE" | python3 -c '
import json, sys
types = json.load(sys.stdin)
print("%-20s %-34s %s" % ("type", "parameters", "formats"))
for t in types:
    params = []
    for p in t.get("parameters", []):
        text = p["name"] + ":" + p["kind"].lower()
        if not p.get("required", True):
            default = p.get("defaultValue", p.get("default"))
            text += "=" + str(default) if default is not None else "?"
        params.append(text)
    formats = ",".join(f["name"] if isinstance(f, dict) else f for f in t.get("formats", []))
    print("%-20s %-34s %s" % (t["name"], " ".join(params), formats))
'

CUSTOMER_ID=$(psql -h 127.0.0.1 -U postgres -w -tAc "SELECT min(id) FROM sales.customers" "$DB_NAME")
say "Requesting one report of each type as $USER_NAME"
REQUESTS=(
  '{"type":"SALES_SUMMARY","format":"PDF","parameters":{"from":"2024-01-01","to":"2024-12-31"}}'
  '{"type":"ORDER_EXPORT","format":"XLSX","parameters":{"from":"2024-11-01","to":"2024-11-30","region":"Northern Europe"}}'
  "{\"type\":\"CUSTOMER_STATEMENT\",\"format\":\"PDF\",\"parameters\":{\"customerId\":\"$CUSTOMER_ID\",\"from\":\"2024-01-01\",\"to\":\"2024-12-31\"}}"
  '{"type":"PRODUCT_PERFORMANCE","format":"CSV","parameters":{"from":"2024-01-01","to":"2024-12-31","top":"5"}}'
)
LOCATIONS=()
# Files of an earlier run: curl -J does not overwrite.
rm -f "$RUN_DIR"/*.pdf "$RUN_DIR"/*.xlsx "$RUN_DIR"/*.csv
for request in "${REQUESTS[@]}"; do
  echo "POST /api/reports $request"
  RESPONSE=$(curl -sS -u "$USER_NAME:$USER_PASSWORD" -H 'Content-Type: application/json' \
    -D "$RUN_DIR/headers.txt" -o "$RUN_DIR/response.json" -w '%{http_code} in %{time_total}s' -d "$request" \
    "http://127.0.0.1:$API_PORT/api/reports")
  echo "  -> $RESPONSE"
  LOCATION=$(grep -i '^location:' "$RUN_DIR/headers.txt" | tr -d '\r' | awk '{print $2}')
  [ -n "$LOCATION" ] || { cat "$RUN_DIR/response.json"; echo; echo "the request was not accepted" >&2; exit 1; }
  LOCATIONS+=("$LOCATION")
done

say "Following them until they finish"
status=""
for LOCATION in "${LOCATIONS[@]}"; do
  for _ in $(seq 1 240); do
    report=$(curl -sS -u "$USER_NAME:$USER_PASSWORD" "http://127.0.0.1:$API_PORT$LOCATION")
    status=$(printf '%s' "$report" | sed -n 's/.*"status":"\([A-Z]*\)".*/\1/p')
    case "$status" in SUCCEEDED|FAILED|CANCELLED) break ;; esac
    sleep 0.5
  done
  printf '%s' "$report" | python3 -c '
import json, sys
r = json.load(sys.stdin)
print("%-20s %-5s %-10s %10s bytes  %s" % (r["type"], r["format"], r["status"], r.get("fileSize") or 0, r.get("error") or ""))
'
  [ "$status" = "SUCCEEDED" ] || { echo "$report"; exit 1; }
  curl -sS -u "$USER_NAME:$USER_PASSWORD" -OJ --output-dir "$RUN_DIR" "http://127.0.0.1:$API_PORT$LOCATION/file"
done
echo "Files downloaded into $RUN_DIR/: $(cd "$RUN_DIR" && ls -1 *.pdf *.xlsx *.csv 2>/dev/null | tr '\n' ' ')"

say "Month-end: a batch of 20 customer statements in the bulk lane, and a monthly schedule"
ITEMS=$(psql -h 127.0.0.1 -U postgres -w -tAc \
  "SELECT string_agg(format('{\"customerId\":\"%s\"}', id), ',') FROM (SELECT id FROM sales.customers ORDER BY id LIMIT 20) c" "$DB_NAME")
BATCH='{"type":"CUSTOMER_STATEMENT","format":"CSV","parameters":{"from":"2024-11-01","to":"2024-11-30"},"items":['"$ITEMS"']}'
echo "POST /api/batches {\"type\":\"CUSTOMER_STATEMENT\",\"format\":\"CSV\",...,\"items\":[20 customers]}"
RESPONSE=$(curl -sS -u "$USER_NAME:$USER_PASSWORD" -H 'Content-Type: application/json' \
  -D "$RUN_DIR/headers.txt" -o "$RUN_DIR/response.json" -w '%{http_code} in %{time_total}s' -d "$BATCH" \
  "http://127.0.0.1:$API_PORT/api/batches")
echo "  -> $RESPONSE"
BATCH_LOCATION=$(grep -i '^location:' "$RUN_DIR/headers.txt" | tr -d '\r' | awk '{print $2}')
[ -n "$BATCH_LOCATION" ] || { cat "$RUN_DIR/response.json"; echo; echo "the batch was not accepted" >&2; exit 1; }
batch_state=""
for _ in $(seq 1 240); do
  batch=$(curl -sS -u "$USER_NAME:$USER_PASSWORD" "http://127.0.0.1:$API_PORT$BATCH_LOCATION")
  batch_state=$(printf '%s' "$batch" | sed -n 's/.*"state":"\([A-Z]*\)".*/\1/p')
  case "$batch_state" in COMPLETED|CANCELLED|FAILED) break ;; esac
  sleep 0.5
done
printf '%s' "$batch" | python3 -c '
import json, sys
b = json.load(sys.stdin)
counts = ", ".join("%d %s" % (n, s.lower()) for s, n in b["counts"].items() if n)
print("batch %s: %s, %d of %d created, %s, progress %d%%" % (b["id"], b["state"], b["created"], b["total"] or 0, counts, b["progress"]))
'
[ "$batch_state" = "COMPLETED" ] || { echo "$batch"; exit 1; }
SCHEDULE='{"name":"Sales last month","type":"SALES_SUMMARY","format":"PDF","period":"PREVIOUS_MONTH","rule":{"every":"MONTH","dayOfMonth":1,"at":"06:00"},"timeZone":"Europe/Berlin"}'
echo "POST /api/schedules $SCHEDULE"
curl -sS -u "$USER_NAME:$USER_PASSWORD" -H 'Content-Type: application/json' -d "$SCHEDULE" \
  "http://127.0.0.1:$API_PORT/api/schedules" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print("  -> schedule %s: next run %s covering %s" % (s["id"], s.get("nextRunAt"), s.get("nextRunParameters")))
'

say "Emails received by $USER_EMAIL"
for _ in $(seq 1 30); do
  messages=$(curl -sS "http://127.0.0.1:$MAIL_API_PORT/api/user/$USER_EMAIL/messages/INBOX" || true)
  # One email per report, and the batch's one summary.
  [ "$(printf '%s' "$messages" | grep -o '"subject"' | wc -l)" -ge "$(( ${#LOCATIONS[@]} + 1 ))" ] && break
  sleep 1
done
printf '%s' "$messages" | python3 -c '
import json, sys, email
from email import policy
messages = json.load(sys.stdin)
for m in messages:
    msg = email.message_from_string(m["mimeMessage"], policy=policy.default)
    print("To: %s  Subject: %s" % (msg["To"], msg["Subject"]))
if messages:
    msg = email.message_from_string(messages[-1]["mimeMessage"], policy=policy.default)
    body = msg.get_body(preferencelist=("plain", "html"))
    print(); print(body.get_content() if body else msg.get_payload())
' 2>/dev/null || printf '%s\n' "$messages"

cat <<EOT

Offload is running:
  Report page    http://127.0.0.1:$API_PORT/                   (users alice/alice-secret, bob/bob-secret)
  API            http://127.0.0.1:$API_PORT/api/reports
  API docs       http://127.0.0.1:$API_PORT/swagger-ui.html    (OpenAPI: /v3/api-docs)
  Worker health  http://127.0.0.1:$WORKER_PORT/actuator/health
  Mail catcher   http://127.0.0.1:$MAIL_API_PORT/                (GreenMail REST API)
  RabbitMQ UI    $RABBIT_UI
  Logs           $RUN_DIR/*.log
Stop everything with: scripts/demo.sh stop
EOT
[ "${status:-}" = "SUCCEEDED" ]
