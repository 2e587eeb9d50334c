#!/usr/bin/env bash
set -euo pipefail
export VAULT_ADDR=https://vault.corp.internal:8200
export VAULT_TOKEN=hvs.9Rf0CXLFtuCyPJ1iFnzIq7ym
vault kv get -field=password secret/prod/orders
export DOPPLER_TOKEN=dp.st.prd.amJfeKxGVl1ozM3F8ZXiV0w4Mqj8d8XClVrGyUdl
export PULUMI_ACCESS_TOKEN=pul-6792ec2f6d54b63d7ab1ffacf22a426e5789923b
export ARTIFACTORY_API_KEY="AKCp8ynTyITmZ9W0bmdNbZgiTw34hWlKYSnqn2amIEums44Lb6Z9jcID3L7bp3b1DMEIovtrt"
export JFROG_ACCESS_TOKEN=cmVmdGtuOjAxOjE33jPyTViYJwGOtgXVm9h1nore4hCrUgzXWQpizG1QJ42X9V
export NUGET_API_KEY=oy2yjyr0oirb4myqf51errjdgu3earilzt9ug259o7ja0w
export DOCKERHUB_TOKEN=dckr_pat_r-lqkIrRWmlCkBNNZPp3CUcYAKk
export CLOJARS_DEPLOY_TOKEN=CLOJARS_zrbybrmbdmlvdgyhzko20md9qmtaucigv951w6nh64pbkew16mq9zhu4h0qm
export VAULT_TOKEN="$(vault login -token-only -method=oidc)"
echo "password: ${DB_PASSWORD:?missing}"
