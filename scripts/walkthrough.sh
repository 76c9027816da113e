#!/usr/bin/env bash
# A black-box walk through the contact point API with curl: starts the real
# binary on a temporary data directory, makes a staff user, a deputy and
# tokens with the CLI, and shows the status code and body of each call.
# Usage: scripts/walkthrough.sh   (needs curl; prints to stdout)
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/budgetpoint" .
bp="$tmp/budgetpoint"
port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port/api/v1"
"$bp" serve --data "$tmp/data" --addr "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -fs "$base/health" >/dev/null 2>&1 && break; sleep 0.2; done

echo "s3cret-staff-pw" | "$bp" user add --data "$tmp/data" --name clerk --role staff >/dev/null
STAFF=$("$bp" token create --data "$tmp/data" --user clerk)

call() { # call LABEL METHOD PATH [BODY] [TOKEN]
  local label=$1 method=$2 path=$3 body=${4:-} tok=${5-$STAFF}
  local args=(-s -o "$tmp/out" -w '%{http_code}' -X "$method" "$base$path")
  [ -n "$tok" ] && args+=(-H "Authorization: Bearer $tok")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  local code; code=$(curl "${args[@]}")
  printf '\n### %s\n%s %s → %s\n' "$label" "$method" "$path" "$code"
  head -c 600 "$tmp/out"; echo
}

call "health, no auth" GET /health "" ""
call "no credentials" GET /topics "" ""
call "bad token" GET /topics "" "not-a-token"
call "create a topic" POST /topics '{"id":"t-demo","kind":"budget_draft","fiscal_year":2027,"title":"2027年预算草案"}'
call "same topic id again" POST /topics '{"id":"t-demo","kind":"budget_draft","fiscal_year":2027,"title":"2027年预算草案"}'
call "topic with bad fields" POST /topics '{"kind":"budget","fiscal_year":1999}'
call "malformed JSON" POST /topics '{"kind":'
call "wrong type" POST /topics '{"kind":"other","fiscal_year":"2027","title":"x"}'
call "get topic" GET /topics/t-demo
call "patch topic" PATCH /topics/t-demo '{"summary":"就2027年预算草案征求意见"}'
call "unknown topic" GET /topics/t-none
call "questionnaire definition with errors" POST /questionnaires '{"id":"q-demo","topic_id":"t-demo","title":"问卷","questions":[{"key":"a","type":"single_choice","label":"总体评价"},{"key":"a","type":"rating","label":"评分","min":5,"max":1}]}'
Q='{"id":"q-demo","topic_id":"t-demo","title":"预算草案问卷","questions":[{"key":"overall","type":"single_choice","label":"总体评价","required":true,"options":[{"value":"satisfied","label":"满意"},{"value":"basic","label":"基本满意"},{"value":"unsatisfied","label":"不满意"}]},{"key":"transparency","type":"rating","label":"公开透明","min":1,"max":5},{"key":"advice","type":"text","label":"意见建议","opinion":true}]}'
call "publish a questionnaire (version 1)" POST /questionnaires "$Q"
call "the same definition again" POST /questionnaires "$Q"
call "a changed definition (version 2)" POST /questionnaires "${Q/预算草案问卷/2027年预算草案问卷}"
call "open to the public" PATCH /questionnaires/q-demo '{"public":true}'
R='{"id":"0b7c6f1e-3f43-4c8e-9a55-2f3d1c2b9a10","version":1,"respondent":{"kind":"public"},"channel":"paper","answers":{"overall":"satisfied","transparency":4,"advice":"建议加大对乡村道路硬化的投入"}}'
call "submit a response" POST /questionnaires/q-demo/responses "$R"
call "the same response again" POST /questionnaires/q-demo/responses "$R"
call "same id, other content" POST /questionnaires/q-demo/responses "${R/satisfied/basic}"
call "invalid answers" POST /questionnaires/q-demo/responses '{"respondent":{"kind":"robot"},"answers":{"overall":"great","transparency":9,"nope":1}}'
head -c 2200000 /dev/zero | tr '\0' 'a' > "$tmp/big"
printf '\n### 2 MiB body\n'; curl -s -o /dev/null -w 'POST /questionnaires/q-demo/responses → %{http_code}\n' -H "Authorization: Bearer $STAFF" --data-binary @"$tmp/big" "$base/questionnaires/q-demo/responses"
call "list responses" GET "/questionnaires/q-demo/responses?limit=1"
call "bad limit" GET "/questionnaires/q-demo/responses?limit=501"
call "record a forum with two opinions" POST /activities '{"kind":"forum","topic_id":"t-demo","title":"预算草案座谈会","held_on":"2026-11-18","location":"三楼会议室","participants":{"deputies":12,"public":6,"other":3},"opinions":[{"content":"建议压减一般性支出","proposer":{"kind":"deputy","name":"王芳","level":"municipal"}},{"content":"希望附上通俗解读","proposer":{"kind":"public","description":"居民"}}]}'
call "list opinions" GET "/opinions?topic=t-demo&limit=2"
call "add a deputy" POST /deputies '{"id":"d-li","name":"李明","level":"county","phone":"13908771234","liaison":true}'
echo "deputy-pass-123" | "$bp" user add --data "$tmp/data" --name liming --role deputy --deputy-id d-li >/dev/null
DEP=$("$bp" token create --data "$tmp/data" --user liming)
call "deputies as a deputy (no contact details)" GET /deputies "" "$DEP"
call "a deputy may not record activities" POST /activities '{}' "$DEP"
call "summary" GET /topics/t-demo/summary
