#!/usr/bin/env bash
# Makes sure RabbitMQ (127.0.0.1:5672, guest/guest) and PostgreSQL (127.0.0.1:5432, user postgres
# without a password) answer on this machine: starts them if they are installed but stopped, and
# installs them from Debian's packages if they are absent. Used by .ci/run and scripts/demo.sh.
# Also installs a JDK 17 if javac is missing (the Maven wrapper brings Maven itself).
set -euo pipefail

log() { printf '[local-services] %s\n' "$*"; }

answers() { # host port
  (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

wait_for() { # name host port seconds
  local i
  for ((i = 0; i < $4; i++)); do
    if answers "$2" "$3"; then log "$1 answers on $2:$3"; return 0; fi
    sleep 1
  done
  log "$1 did not answer on $2:$3 within $4 s"; return 1
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=false
apt_install() {
  if [ "$apt_updated" = false ]; then
    as_root apt-get update -qq
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@"
}

if ! command -v javac >/dev/null 2>&1; then
  log "no JDK found: installing openjdk-17-jdk-headless"
  apt_install openjdk-17-jdk-headless
fi

if ! answers 127.0.0.1 5672; then
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    log "RabbitMQ is not installed: installing rabbitmq-server"
    apt_install rabbitmq-server
  fi
  if ! answers 127.0.0.1 5672; then
    log "starting RabbitMQ"
    as_root rabbitmq-server -detached || true
  fi
  wait_for RabbitMQ 127.0.0.1 5672 90
fi

if ! answers 127.0.0.1 5432; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "PostgreSQL is not installed: installing postgresql"
    apt_install postgresql
  fi
  if ! answers 127.0.0.1 5432; then
    log "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -n 1)" main start || true
  fi
  wait_for PostgreSQL 127.0.0.1 5432 60
fi

# Offload's local defaults connect as postgres without a password. A fresh Debian install asks
# for one over TCP, so trust the loopback address, as this machine's image does.
if command -v psql >/dev/null 2>&1 && ! psql -h 127.0.0.1 -U postgres -w -tAc 'SELECT 1' postgres >/dev/null 2>&1; then
  hba="$(ls -d /etc/postgresql/*/main | sort -V | tail -n 1)/pg_hba.conf"
  log "PostgreSQL asks for a password on 127.0.0.1: trusting loopback in $hba (local development only)"
  as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(basename "$(dirname "$(dirname "$hba")")")" main reload
  sleep 1
fi
log "ready"
