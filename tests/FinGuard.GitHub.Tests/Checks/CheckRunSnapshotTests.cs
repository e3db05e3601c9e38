using System.Text.Json;
using FinGuard.GitHub.Checks;
using FinGuard.GitHub.Evaluation;
using FinGuard.Testing.FakeGitHub;

namespace FinGuard.GitHub.Tests.Checks;

/// <summary>
/// Snapshot tests of the Markdown a developer reads, for representative results. The expected files live in
/// Checks/Snapshots; set FINGUARD_UPDATE_SNAPSHOTS=1 to rewrite them after an intended change, then review the diff.
/// </summary>
public sealed class CheckRunSnapshotTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    private static JsonElement Load(string example, string file)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "examples", example, file)));
        return document.RootElement.Clone();
    }

    private static PullRequestFactSet Facts(string example, string? policy = null) => new()
    {
        Repository = "octo-bank/payments",
        Pull = Load(example, "pull.json"),
        CommitPages = [Load(example, "commits.json")],
        ReviewPages = [Load(example, "reviews.json")],
        Permissions = Directory.GetFiles(Path.Combine(RepositoryRoot.Path, "docs", "examples", example, "permissions"), "*.json")
            .ToDictionary(f => Path.GetFileNameWithoutExtension(f), f => Load(example, Path.Combine("permissions", Path.GetFileName(f))), StringComparer.OrdinalIgnoreCase),
        HeadPushes = [new FinGuard.GitHub.Snapshots.HeadPushDelivery(Load(example, "head-push.json"), "head-push.json")],
        RepositoryPolicy = policy is null ? null : new PolicyFile("octo-bank/payments", ".github/finguard.yml", "main", null, policy),
    };

    private static void Verify(string name, PullRequestDecision decision)
    {
        var output = CheckRunRenderer.Render(decision.Result, "octo-bank/payments/000000000042.json");
        var actual = $"# {output.Title}\n\n{output.Summary}\n---\n\n{output.Text}".ReplaceLineEndings("\n");
        var path = Path.Combine(RepositoryRoot.Path, "tests", "FinGuard.GitHub.Tests", "Checks", "Snapshots", name + ".md");
        if (Environment.GetEnvironmentVariable("FINGUARD_UPDATE_SNAPSHOTS") == "1")
        {
            File.WriteAllText(path, actual);
        }

        Assert.True(File.Exists(path), $"Missing snapshot {path}; run with FINGUARD_UPDATE_SNAPSHOTS=1 and review it.");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }

    [Fact]
    public void Compliant_pull_request() =>
        Verify("compliant", PullRequestEvaluator.Evaluate(Facts("compliant-pull-request"), At));

    [Fact]
    public void Unsigned_commit_self_approval_and_stale_approval() =>
        Verify("non-compliant", PullRequestEvaluator.Evaluate(Facts("non-compliant-pull-request"), At));

    [Fact]
    public void Broken_policy_file() =>
        Verify("broken-policy", PullRequestEvaluator.Evaluate(Facts("compliant-pull-request", "version: 1\nseparation-of-duties:\n  required-approvals: 0\n  reviewers: [x]\n"), At));

    [Fact]
    public void Base_branch_not_covered() =>
        Verify("branch-not-covered", PullRequestEvaluator.Evaluate(Facts("non-compliant-pull-request", "version: 1\nbranches: [release/*]\n"), At));
}
