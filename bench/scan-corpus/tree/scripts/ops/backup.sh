#!/usr/bin/env bash
set -euo pipefail
export PGPASSWORD='Xvxv6bb0BQm1qBnyJ97D'
export RESTIC_PASSWORD="Dragon@Zephyr47"
mysqldump -u backup -p'zig47DMfCYiXGm6S' --all-databases > /backup/all.sql
curl -s -H 'Authorization: Basic YmFja3VwOkFvPWhPQFJYTlJkS004Zlo=' https://nas.corp.internal/api/upload
curl -s -H "Authorization: token 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" https://api.github.com/repos/corp/orders/releases
curl -X POST https://api.telegram.org/bot6333922605:AAQJtlubbAbDwAFmPKKMwqLsrXshsL7SfNP/sendMessage -d chat_id=-100123 -d text=done
sshpass -p 'Sunfl0w3r250' ssh backup@nas.corp.internal true
smbclient //fs/backup -U 'CORP\\backup%PSOolEl18skw6t' -c 'ls'
read -rsp "Password: " PASSWORD
PASSWORD=$(aws secretsmanager get-secret-value --secret-id prod/backup --query SecretString --output text)
htpasswd -bB /etc/nginx/.htpasswd admin "$ADMIN_PASSWORD"
echo "92430fe6dbd30901b4006cd43feac06292f059e7  backup.tar.gz" | sha1sum -c -
sha256sum -c <<< "41d38209f7f90c2365f0620add4c3df84728a217de4ad116a7e1e3f4eb43aedd  restic_0.16.4_linux_amd64.bz2"
