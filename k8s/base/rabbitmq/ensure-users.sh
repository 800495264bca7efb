#!/bin/sh
# Readiness check of the RabbitMQ node that also gives Offload's broker users their
# passwords. Used by docker compose (health check) and Kubernetes (readiness probe).
#
# definitions.json creates the users offload-api and offload-worker without a password
# (nobody can sign in as them) together with their least-privilege permissions; the
# passwords never sit in a committed file. They come from the environment, filled from
# secrets: OFFLOAD_API_RABBITMQ_PASSWORD, OFFLOAD_WORKER_RABBITMQ_PASSWORD, and optionally
# an operator account RABBITMQ_ADMIN_USERNAME / RABBITMQ_ADMIN_PASSWORD (management UI).
# A node re-imports the definitions on every boot, which clears the passwords again, so
# this runs periodically: it is cheap when they are already set, and the node counts as
# ready only once the services can sign in.
set -eu

rabbitmq-diagnostics -q check_port_connectivity

ensure_password() {
	user="$1"
	password="$2"
	if [ -z "$password" ]; then
		echo "No password given for RabbitMQ user $user" >&2
		exit 1
	fi
	if ! printf '%s' "$password" | rabbitmqctl -q authenticate_user "$user" >/dev/null 2>&1; then
		printf '%s' "$password" | rabbitmqctl -q change_password "$user" >/dev/null
	fi
}

# The user names are those of definitions.json; the tests apply the script to users of
# their own.
ensure_password "${OFFLOAD_API_RABBITMQ_USER:-offload-api}" "${OFFLOAD_API_RABBITMQ_PASSWORD:-}"
ensure_password "${OFFLOAD_WORKER_RABBITMQ_USER:-offload-worker}" "${OFFLOAD_WORKER_RABBITMQ_PASSWORD:-}"

if [ -n "${RABBITMQ_ADMIN_USERNAME:-}" ]; then
	if ! rabbitmqctl -q list_users | grep -q "^${RABBITMQ_ADMIN_USERNAME}[[:space:]]"; then
		printf '%s' "${RABBITMQ_ADMIN_PASSWORD:?RABBITMQ_ADMIN_PASSWORD is required with RABBITMQ_ADMIN_USERNAME}" \
			| rabbitmqctl -q add_user "$RABBITMQ_ADMIN_USERNAME" >/dev/null
		rabbitmqctl -q set_user_tags "$RABBITMQ_ADMIN_USERNAME" administrator
		rabbitmqctl -q set_permissions -p / "$RABBITMQ_ADMIN_USERNAME" '.*' '.*' '.*'
	fi
fi
