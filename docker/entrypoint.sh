#!/bin/sh
# The container's entry point: secrets mounted as files become the environment variables the
# config names with {$env: NAME} (/run/secrets/NEWSBOT_WECOM_KEY -> $NEWSBOT_WECOM_KEY), the
# mounted config is used when there is one, and `run` migrates the database first.
set -eu

secrets_dir="${NEWSBOT_SECRETS_DIR:-/run/secrets}"
config_file="${NEWSBOT_CONFIG_FILE:-/etc/newsbot/newsbot.yaml}"

if [ -d "$secrets_dir" ]; then
  for file in "$secrets_dir"/*; do
    [ -f "$file" ] || continue
    name=$(basename "$file")
    case "$name" in
      [A-Za-z_]*) ;;
      *) continue ;;
    esac
    case "$name" in
      *[!A-Za-z0-9_]*) continue ;;  # not a variable name: leave it alone
    esac
    value=$(cat "$file")  # drops the trailing newline editors add
    export "$name=$value"
  done
fi

if [ -f "$config_file" ]; then
  set -- --config "$config_file" "$@"
fi

# `newsbot [--config FILE] run ...`: bring the schema to head before the service starts.
for arg in "$@"; do
  if [ "$arg" = "run" ]; then
    if [ -f "$config_file" ]; then
      newsbot --config "$config_file" db upgrade
    else
      newsbot db upgrade
    fi
    break
  fi
done

exec newsbot "$@"
