using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Deployments;
using FinGuard.Core.Results;
using FinGuard.GitHub.Checks;
using FinGuard.GitHub.Deployments;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;
using static FinGuard.Cli.EvaluateCommand;

namespace FinGuard.Cli;

/// <summary>
/// <c>finguard evaluate deployment --offline DIR [--at TIME] [--json]</c>: decides a deployment protection rule from
/// GitHub responses saved in a folder, through the evaluation the deployment gate runs
/// (<see cref="DeploymentSnapshotParser"/>, <see cref="DeploymentEvaluation"/>). Exit 0 approved, 1 rejected or
/// waiting, 2 bad input.
/// </summary>
/// <remarks>
/// The gate takes the pull request decisions that vouch for the deployed commit from FinGuard's evidence. Offline there is
/// no evidence: each pull request in <c>commit-pulls.json</c> that can vouch for the commit (its head, or its merge
/// commit) is evaluated from its own folder <c>pull-requests/NUMBER/</c> (the <c>evaluate --offline</c> format) at the
/// same time; a pull request without a folder has no decision, so the chain of custody fails. The environment's previous
/// deployment is not known offline, so a rollback is never flagged.
/// </remarks>
public static class EvaluateDeploymentCommand
{
    public const string Usage = "usage: finguard evaluate deployment --offline DIR [--at 2026-12-31T15:00:00Z] [--json]";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        ArgumentNullException.ThrowIfNull(time);

        if (await EvaluateCommand.OfflineArguments.ParseAsync(args, "finguard evaluate deployment", Usage, "online, the deployment gate runs in 'finguard serve'", stderr) is not { } parsed)
        {
            return 2;
        }

        var (directory, at, json) = parsed;

        EvaluationResult result;
        try
        {
            result = await EvaluateAsync(directory, at ?? time.GetUtcNow());
        }
        catch (Exception ex) when (ex is OfflineInputException or GitHubFactsException)
        {
            await stderr.WriteLineAsync($"finguard evaluate deployment: {ex.Message}");
            return 2;
        }

        var verdict = DeploymentEvaluator.VerdictOf(result);
        if (json)
        {
            var output = ToJson(result);
            output["verdict"] = verdict.ToString().ToLowerInvariant();
            await stdout.WriteLineAsync(output.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        else
        {
            var output = CheckRunRenderer.Render(result, null);
            await stdout.WriteLineAsync($"{verdict.ToString().ToLowerInvariant()}: {result.Title}");
            await stdout.WriteLineAsync();
            await stdout.WriteLineAsync(output.Text.TrimEnd());
        }

        return verdict == DeploymentVerdict.Approved ? 0 : 1;
    }

    private static async Task<EvaluationResult> EvaluateAsync(string directory, DateTimeOffset evaluatedAt)
    {
        if (!Directory.Exists(directory))
        {
            throw new OfflineInputException($"'{directory}' is not a directory.");
        }

        var payload = (await ReadJsonAsync(directory, "deployment_protection_rule.json", required: true))!.Value;
        var repository = payload.TryGetProperty("repository", out var repo) && repo.TryGetProperty("full_name", out var name) && name.GetString() is { } fullName
            ? fullName
            : throw new OfflineInputException("deployment_protection_rule.json has no repository.full_name; it must be the body of GitHub's deployment_protection_rule webhook delivery.");
        var environment = payload.TryGetProperty("environment", out var env) && env.GetString() is { } environmentName
            ? environmentName
            : throw new OfflineInputException("deployment_protection_rule.json names no environment.");
        var sha = payload.TryGetProperty("deployment", out var deployment) && deployment.TryGetProperty("sha", out var deployedSha) && deployedSha.GetString() is { } s
            ? s
            : throw new OfflineInputException("deployment_protection_rule.json names no deployed commit (deployment.sha).");
        var gitRef = deployment.TryGetProperty("ref", out var r) ? r.GetString() : null;

        var run = (await ReadJsonAsync(directory, "workflow-run.json", required: true))!.Value;
        var runId = run.TryGetProperty("id", out var id) && id.TryGetInt64(out var runNumber)
            ? runNumber
            : throw new OfflineInputException("workflow-run.json has no id; it must be GitHub's GET /repos/{owner}/{repo}/actions/runs/{run_id} response.");
        var approvals = (await ReadJsonAsync(directory, "approvals.json", required: true))!.Value;
        var commitPulls = (await ReadJsonAsync(directory, "commit-pulls.json", required: true))!.Value;

        // A short ref may name a tag or a branch; only GitHub's tag list says which (absent: unknown, not "a branch").
        JsonElement? tagRefs = null;
        if (DeploymentSnapshotParser.AmbiguousRef(gitRef) is { } shortRef)
        {
            tagRefs = await ReadJsonAsync(directory, "tag-refs.json", required: false)
                ?? throw new OfflineInputException(
                    $"tag-refs.json is missing: the deployment names the short ref '{shortRef}', which is a tag or a branch depending on "
                    + $"GET /repos/{repository}/git/matching-refs/tags/{shortRef}; save that response as tag-refs.json ([] when there is no such tag).");
        }

        var checkRuns = await ReadJsonAsync(directory, "check-runs.json", required: false);
        var scanFiles = await ReadScanFilesAsync(directory, sha);
        var teams = await ReadJsonAsync(directory, "team-members.json", required: false);
        var facts = new DeploymentFactSet
        {
            Repository = repository,
            Payload = payload,
            WorkflowRun = run,
            ApprovalPages = [approvals],
            CommitPullPages = [commitPulls],
            TagRefs = tagRefs,
            RepositoryPolicy = await ReadPolicyAsync(directory, "finguard.yml", repository, ".github/finguard.yml"),
            OrganizationPolicy = await ReadPolicyAsync(directory, "org-finguard.yml", $"{repository.Split('/')[0]}/.github", "finguard.yml"),
            TeamMembers = teams is null ? new Dictionary<string, IReadOnlyCollection<string>>() : PullRequestFactSet.ReadTeamMembers(teams.Value),
            Permissions = await ReadPermissionsAsync(directory),
            ScanResponses = checkRuns is not null || scanFiles.Count > 0
                ? new GitHub.Scans.ScanFactsResponses(checkRuns is null ? [] : [checkRuns.Value], scanFiles)
                : null,
        };

        var policy = PullRequestEvaluator.ResolvePolicy(facts.OrganizationPolicy, facts.RepositoryPolicy);
        var decisions = await PullRequestDecisionsAsync(directory, sha, commitPulls, evaluatedAt);
        var snapshot = DeploymentSnapshotParser.Parse(facts, environment, runId, decisions, previous: null);
        return DeploymentEvaluation.Evaluate(snapshot, policy, evaluatedAt);
    }

    /// <summary>
    /// The decision about each pull request that can vouch for <paramref name="sha"/>, evaluated from
    /// <c>pull-requests/NUMBER/</c>: none when there is no folder, or when the folder is about another head.
    /// </summary>
    private static async Task<ImmutableArray<PullRequestDecisionFact>> PullRequestDecisionsAsync(string directory, string sha, JsonElement commitPulls, DateTimeOffset evaluatedAt)
    {
        var result = ImmutableArray.CreateBuilder<PullRequestDecisionFact>();
        foreach (var candidate in DeploymentSnapshotParser.CustodyCandidates(sha, [commitPulls]))
        {
            var fact = new PullRequestDecisionFact { Number = candidate.Number, HeadSha = candidate.HeadSha, MatchedBy = candidate.MatchedBy };
            var folder = Path.Combine(directory, "pull-requests", candidate.Number.ToString(CultureInfo.InvariantCulture));
            if (Directory.Exists(folder))
            {
                var decision = PullRequestEvaluator.Evaluate(await ReadAsync(folder), evaluatedAt);
                if (string.Equals(decision.Snapshot.HeadSha, candidate.HeadSha, StringComparison.OrdinalIgnoreCase))
                {
                    fact = fact with
                    {
                        Verdict = decision.Result.Conclusion == Conclusion.Success ? "pass" : "fail",
                        ReasonCode = decision.Result.ReasonCode,
                        EvaluatedNow = true,
                        Change = decision.Snapshot,
                    };
                }
            }

            result.Add(fact);
        }

        return result.ToImmutable();
    }

    private static JsonObject ToJson(EvaluationResult result) => EvaluateCommand.ToJson(result);
}
