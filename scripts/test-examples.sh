#!/usr/bin/env bash
# Checks the CI examples in examples/ci/, the GitHub Action (action.yml) and
# the release workflow (.github/workflows/):
#  1. every YAML file validates against its vendor's published schema with
#     check-jsonschema (installed by scripts/install-test-deps.sh), using the
#     copies of the schemas it ships (--builtin-schema): no download. Where
#     the kernel allows (root), it runs without any network (unshare -n), so
#     a schema fetch would fail the test instead of happening. A YAML file
#     with no known schema fails the test: add its vendor below.
#     GitLab's schema lets hidden jobs (templates) hold anything, so a GitLab
#     file is also validated as GitLab runs it: `extends` and `!reference`
#     resolved, templates merged into the jobs (scripts/gitlab-ci-resolve.py).
#  2. the validator really rejects: broken copies of the GitLab example (an
#     unknown job keyword; a bad artifacts:when in a template, caught once
#     resolved) must fail validation, each for that reason.
#  3. the testrelay configuration that gitlab-ci.yml writes parses (unknown
#     keys are errors) and `testrelay report --config …`, as the example
#     calls it, writes a JUnit report with `file` attributes (junit_profile
#     "full", which GitLab's test report reads); without it, none.
#  4. a rehearsal of the GitLab example's jobs against the CI simulator
#     (scripts/rehearse-gitlab-example.py): each job's testrelay lines run as
#     written, in a GitLab CI merge request pipeline's environment, and the
#     simulated GitLab must hold each job's status and note; the reports the
#     artifacts: section names must exist.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v check-jsonschema >/dev/null 2>&1; then
  echo "scripts/test-examples.sh: check-jsonschema is missing: run scripts/install-test-deps.sh" >&2
  exit 1
fi

offline=()
if unshare -n true 2>/dev/null; then
  offline=(unshare -n)
else
  echo "note: cannot run without network here (unshare -n); the builtin schemas need none"
fi

# The schema (and data transform) for an example, by its name.
schema_args() {
  local file=$1
  case "$file" in
    *gitlab-ci.yml | *gitlab-ci.yaml)
      # The gitlab-ci transform reads GitLab's `!reference` tags.
      echo "--builtin-schema vendor.gitlab-ci --data-transform gitlab-ci" ;;
    action.yml | */action.yml | action.yaml | */action.yaml)
      echo "--builtin-schema vendor.github-actions" ;;
    */workflows/*.yml | */workflows/*.yaml | */github-*.yml | */github-*.yaml)
      echo "--builtin-schema vendor.github-workflows" ;;
    *circleci-config.yml | */.circleci/config.yml)
      echo "--builtin-schema vendor.circle-ci" ;;
    *travis.yml)
      echo "--builtin-schema vendor.travis" ;;
    *azure-pipelines.yml)
      # The schema's patterns need the non-Unicode regex variant.
      echo "--builtin-schema vendor.azure-pipelines --regex-variant nonunicode" ;;
    *bitbucket-pipelines.yml)
      echo "--builtin-schema vendor.bitbucket-pipelines" ;;
    *) return 1 ;;
  esac
}

passed=0
failed=0
ok() { echo "ok: $*"; passed=$((passed + 1)); }
not_ok() { echo "FAILED: $*" >&2; failed=$((failed + 1)); }

resolve_dir=$(mktemp -d)
trap 'rm -rf "$resolve_dir"' EXIT

# Validates `file` as written and, for GitLab, as resolved.
validate() {
  local file=$1 args resolved
  args=$(schema_args "$file") || return 2
  # shellcheck disable=SC2086
  "${offline[@]}" check-jsonschema $args "$file" || return 1
  case "$file" in
    *gitlab-ci.yml | *gitlab-ci.yaml)
      resolved="$resolve_dir/$(basename "$(dirname "$file")")-resolved.json"
      python3 scripts/gitlab-ci-resolve.py "$file" >"$resolved" || return 1
      echo "as resolved (extends, !reference):"
      "${offline[@]}" check-jsonschema --builtin-schema vendor.gitlab-ci "$resolved"
      ;;
  esac
}

# 1. Every YAML example against its schema, and the project's own GitHub
#    files: the action (action.yml) and the release workflow.
mapfile -t examples < <(find examples/ci -type f \( -name '*.yml' -o -name '*.yaml' \) | sort)
examples+=(action.yml .github/workflows/*.yml)
if ((${#examples[@]} == 0)); then
  not_ok "no YAML example under examples/ci/"
fi
for file in "${examples[@]}"; do
  if ! schema_args "$file" >/dev/null; then
    not_ok "$file: no schema known for it (name it *gitlab-ci.yml or github-*.yml, or add it to scripts/test-examples.sh)"
  elif out=$(validate "$file" 2>&1); then
    ok "$file is valid ($(schema_args "$file" | awk '{print $2}'))"
  else
    not_ok "$file does not validate:"$'\n'"$out"
  fi
done

# 2. Broken copies must be rejected, each for the reason we broke it.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch" "$resolve_dir"' EXIT
gitlab=examples/ci/gitlab-ci.yml
reject() {
  local name=$1 expected=$2 out
  if out=$(validate "$scratch/$name" 2>&1); then
    not_ok "$name: the validator accepted a broken file"
  elif grep -q -- "$expected" <<<"$out"; then
    ok "$name is rejected ($expected)"
  else
    not_ok "$name: rejected, but not for '$expected':"$'\n'"$out"
  fi
}
mkdir -p "$scratch/typo" "$scratch/when"
sed 's/^  script:$/  scirpt:/' "$gitlab" >"$scratch/typo/gitlab-ci.yml"
grep -q '^  scirpt:$' "$scratch/typo/gitlab-ci.yml" || not_ok "could not break $gitlab (script:)"
reject typo/gitlab-ci.yml "'scirpt' was unexpected"
# artifacts:when of the template .testrelay-reports (the first `when: always`
# at that depth).
sed '0,/^    when: always$/s//    when: sometimes/' "$gitlab" >"$scratch/when/gitlab-ci.yml"
grep -q '^    when: sometimes$' "$scratch/when/gitlab-ci.yml" || not_ok "could not break $gitlab (when:)"
reject when/gitlab-ci.yml "'sometimes' is not one of"

mkdir -p "$scratch/circleci" "$scratch/travis"
sed 's/^    parallelism: 4$/    parallelism: four/' examples/ci/circleci-config.yml >"$scratch/circleci/circleci-config.yml"
grep -q '^    parallelism: four$' "$scratch/circleci/circleci-config.yml" || not_ok "could not break circleci-config.yml"
reject circleci/circleci-config.yml "'four' is not of type 'integer'"
sed 's/^os: linux$/os: lunix/' examples/ci/travis.yml >"$scratch/travis/travis.yml"
grep -q '^os: lunix$' "$scratch/travis/travis.yml" || not_ok "could not break travis.yml"
reject travis/travis.yml "'lunix' is not one of"
mkdir -p "$scratch/action"
sed 's/^  using: composite$/  using: compost/' action.yml >"$scratch/action/action.yml"
grep -q '^  using: compost$' "$scratch/action/action.yml" || not_ok "could not break action.yml"
reject action/action.yml "'compost' is not one of"

# 3. The configuration gitlab-ci.yml writes, used as the example uses it.
cargo build --quiet --locked -p testrelay --bin testrelay
cargo build --quiet --locked -p testrelay-ci-sim
simulator=$(realpath "${CARGO_TARGET_DIR:-target}/debug/testrelay-ci-sim")
testrelay=$(realpath "${CARGO_TARGET_DIR:-target}/debug/testrelay")
junit=$PWD/tests/data/junit/pytest-xunit1.xml # cases with a file
awk '/cat > testrelay.json <<EOF/{on=1; next} on && /^ *EOF$/{exit} on' "$gitlab" |
  sed 's/\${CI_JOB_NAME_SLUG}/unit-tests/g' >"$scratch/testrelay.json"
# Outside any CI and with the local provider: nothing leaves the machine.
report() {
  (cd "$scratch" && env -i PATH="$PATH" HOME="$HOME" "$testrelay" report --provider local \
    --fail-on never --output-dir "$1" "${@:2}" "$junit" >"$1.log" 2>&1)
}
if ! python3 -m json.tool "$scratch/testrelay.json" >/dev/null; then
  not_ok "the configuration in $gitlab is not JSON:"$'\n'"$(cat "$scratch/testrelay.json")"
elif ! report with-config --config testrelay.json; then
  not_ok "testrelay report --config with the configuration of $gitlab:"$'\n'"$(cat "$scratch/with-config.log")"
elif ! grep -q ' file="' "$scratch/with-config/junit.xml"; then
  not_ok "the configuration of $gitlab writes JUnit without file attributes"
else
  ok "the configuration in $gitlab parses and writes JUnit with file attributes"
fi
# Without it (the strict profile) there are none: the configuration is what adds them.
if report default && grep -q ' file="' "$scratch/default/junit.xml"; then
  not_ok "the default JUnit profile writes file attributes too: check 3 proves nothing"
fi

# 4. The GitLab example's jobs, rehearsed against the simulator.
if python3 scripts/rehearse-gitlab-example.py "$gitlab" "$testrelay" "$simulator"; then
  ok "the jobs of $gitlab deliver to the simulated GitLab"
else
  not_ok "the rehearsal of $gitlab (above)"
fi

echo "examples: $passed passed, $failed failed"
((failed == 0))
