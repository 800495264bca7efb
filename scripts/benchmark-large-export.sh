#!/usr/bin/env bash
# Issue 11, acceptance 3: ORDER_EXPORT over about three million order lines, as CSV and as XLSX,
# built by the worker's own report type and writers in a JVM limited to -Xmx256m, beside psql's
# \copy of the same rows to a file (the peer), in one run. Prints a table and writes it to
# benchmarks/target/large-export-results.md. Takes a few minutes (most of it seeding).
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[large-export] %s\n' "$*"; }

ORDERS="${ORDERS:-1000000}"
DB="${DB:-offload_bench_export}"
FROM=2021-01-01
TO=2025-12-31
OUT=benchmarks/target/large-export
mkdir -p "$OUT"

scripts/local-services.sh >/dev/null
command -v psql >/dev/null || { log "psql is needed (apt-get install postgresql-client)"; exit 1; }

log "building (profile benchmarks)"
./mvnw -q -B -ntp -Pbenchmarks package -DskipTests -pl benchmarks -am
CP="benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)"

if ! psql -h 127.0.0.1 -U postgres -w -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" postgres | grep -q 1; then
  psql -h 127.0.0.1 -U postgres -w -qc "CREATE DATABASE $DB" postgres
fi
URL="jdbc:postgresql://127.0.0.1:5432/$DB"
lines=$(psql -h 127.0.0.1 -U postgres -w -tAc "SELECT count(*) FROM sales.order_lines" "$DB" 2>/dev/null || echo 0)
if [ "${lines:-0}" -lt 2500000 ]; then
  log "seeding $ORDERS orders into $DB"
  java -jar report-worker/target/report-worker-0.1.0-SNAPSHOT-exec.jar --spring.profiles.active=local,seed \
    --offload.seed.orders="$ORDERS" --spring.datasource.url="$URL" >"$OUT/seed.log" 2>&1
fi
lines=$(psql -h 127.0.0.1 -U postgres -w -tAc "SELECT count(*) FROM sales.order_lines l JOIN sales.orders o ON o.id = l.order_id WHERE o.ordered_on BETWEEN DATE '$FROM' AND DATE '$TO'" "$DB")
log "$lines order lines from $FROM to $TO"

# The peer: the same rows, in the same order, written by PostgreSQL itself through psql.
SQL="SELECT o.id, o.ordered_on, c.id, c.name, r.name, p.sku, p.name, p.category, l.quantity, l.unit_price,
            l.quantity * l.unit_price
       FROM sales.orders o JOIN sales.customers c ON c.id = o.customer_id JOIN sales.regions r ON r.id = c.region_id
       JOIN sales.order_lines l ON l.order_id = o.id JOIN sales.products p ON p.id = l.product_id
      WHERE o.ordered_on BETWEEN DATE '$FROM' AND DATE '$TO' ORDER BY o.ordered_on, o.id, l.line_no"
start=$(date +%s%N)
psql -h 127.0.0.1 -U postgres -w -qc "\\copy ($SQL) TO '$OUT/copy.csv' WITH (FORMAT csv, HEADER)" "$DB"
copy_ms=$(( ($(date +%s%N) - start) / 1000000 ))
copy_bytes=$(stat -c %s "$OUT/copy.csv")
log "psql \\copy: $copy_ms ms, $copy_bytes bytes"

run() { # format
  java -Xmx256m -XX:+UseSerialGC -cp "$CP" dev.offload.worker.catalogue.orderexport.OrderExportToFile \
    "$URL" postgres "" "$FROM" "$TO" "$1" "$OUT/export.${1,,}" | tee "$OUT/$1.txt"
}
run CSV
run XLSX
value() { sed -n "s/^$2=//p" "$OUT/$1.txt"; }

{
  echo "# ORDER_EXPORT beside psql \\copy (one run, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
  echo
  echo "$lines order lines, $FROM to $TO. Offload: the worker's OrderExportReport and writers in a JVM at -Xmx256m (SerialGC), into a file. Peer: \`psql \\copy\` of the same rows and order to a CSV file."
  echo
  echo "| what | time | rate | ratio to \\copy (rate) | file size | peak heap (of 256 MiB) |"
  echo "| --- | --- | --- | --- | --- | --- |"
  echo "| psql \\copy (CSV) | $copy_ms ms | $(( lines * 1000 / copy_ms )) lines/s | 1.00 | $copy_bytes B | — |"
  for f in CSV XLSX; do
    ms=$(value $f millis); bytes=$(value $f bytes); peak=$(value $f peakHeap)
    ratio=$(python3 -c "print(f'{$copy_ms / $ms:.2f}')")
    echo "| ORDER_EXPORT $f | $ms ms | $(( lines * 1000 / ms )) lines/s | $ratio | $bytes B | $(( peak / 1048576 )) MiB |"
  done
} | tee benchmarks/target/large-export-results.md
