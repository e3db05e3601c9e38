using BenchmarkDotNet.Attributes;
using FinGuard.Core.Controls;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;
using FinGuard.GitHub.Evaluation;

namespace FinGuard.Benchmarks.Evaluation;

/// <summary>
/// Code owners and approval rules at GitHub's limits (<see cref="PathApprovalsFacts"/>: 3,000 files, 20 rules, a
/// 500-line CODEOWNERS) on the 250-commit, 50-review pull request of <see cref="EvaluationBenchmarks"/>, next to that
/// pull request's evaluation without them (the baseline), in the same run.
/// </summary>
[MemoryDiagnoser]
public class PathApprovalsBenchmarks
{
    public const int Reviews = 50;
    private static readonly DateTimeOffset EvaluatedAt = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private PullRequestSnapshot snapshot = null!;
    private FinGuardPolicy policy = null!;
    private PullRequestSnapshot withFiles = null!;
    private FinGuardPolicy withRules = null!;
    private PullRequestFactSet factsWithFiles = null!;

    [GlobalSetup]
    public void Setup()
    {
        // The author pushed the head (as the server records it from the delivery), so approvals can count.
        using var push = System.Text.Json.JsonDocument.Parse("""{"action":"synchronize","number":42,"pull_request":{"head":{"sha":"HEAD"}},"sender":{"login":"dev-0","id":100,"type":"User"}}""");
        var created = EvaluationFacts.Create(250, Reviews).Facts;
        var head = created.Pull.GetProperty("head").GetProperty("sha").GetString()!;
        using var headPush = System.Text.Json.JsonDocument.Parse(push.RootElement.GetRawText().Replace("HEAD", head, StringComparison.Ordinal));
        // Every reviewer has write access, so their approvals can count.
        var permissions = Enumerable.Range(0, Reviews).ToDictionary(
            r => $"reviewer-{r}",
            r => System.Text.Json.JsonDocument.Parse(Testing.Scenarios.PullRequestScenario.PermissionJson($"reviewer-{r}", 9000 + r, "write")).RootElement.Clone(),
            StringComparer.OrdinalIgnoreCase);
        var facts = (created with { Permissions = permissions }).WithHeadPushes([new GitHub.Snapshots.HeadPushDelivery(headPush.RootElement.Clone(), "webhook pull_request.synchronize delivery bench")]);
        snapshot = PullRequestEvaluator.Evaluate(facts, EvaluatedAt).Snapshot;
        policy = PullRequestEvaluator.ResolvePolicy(facts.OrganizationPolicy, facts.RepositoryPolicy).Policy;

        factsWithFiles = PathApprovalsFacts.With(facts, Reviews) with
        {
            RepositoryPolicy = facts.RepositoryPolicy! with { Text = facts.RepositoryPolicy.Text + "\n" + PathApprovalsFacts.PolicyYaml() },
        };
        withFiles = PullRequestEvaluator.Evaluate(factsWithFiles, EvaluatedAt).Snapshot;
        withRules = policy with
        {
            SeparationOfDuties = policy.SeparationOfDuties with { CodeOwners = true, ApprovalRules = PathApprovalsFacts.ApprovalRules() },
        };

        // A benchmark of a broken evaluation would measure the error path.
        var control = PolicyEvaluator.Evaluate(withFiles, withRules, EvaluatedAt).Controls.Single(c => c.Id == PathApprovalsControl.ControlId);
        if (withFiles.ChangedFiles?.Length != PathApprovalsFacts.Files || control.Status is ControlStatus.Error or ControlStatus.Skipped
            || control.Details.Count(d => d.Subject.StartsWith("CODEOWNERS", StringComparison.Ordinal)) < 100
            || !control.Details.Any(d => d.Ok && d.Message.Contains("approved by", StringComparison.Ordinal)))
        {
            throw new InvalidOperationException($"The benchmark facts do not evaluate code owners and rules: {control.Status}, {control.Summary}");
        }

        var fromJson = PullRequestEvaluator.Evaluate(factsWithFiles, EvaluatedAt);
        if (fromJson.Policy.Problems.Length > 0 || fromJson.Result.Controls.Single(c => c.Id == PathApprovalsControl.ControlId).Summary != control.Summary)
        {
            throw new InvalidOperationException($"The benchmark's policy file does not give the same rules: {string.Join("; ", fromJson.Policy.Problems.Select(p => p.Message))}");
        }
    }

    [Benchmark(Baseline = true, Description = "PolicyEvaluator.Evaluate (250 commits, 50 reviews)")]
    public EvaluationResult Current() => PolicyEvaluator.Evaluate(snapshot, policy, EvaluatedAt);

    [Benchmark(Description = "PolicyEvaluator.Evaluate + 3,000 files, 20 rules, 500-line CODEOWNERS")]
    public EvaluationResult WithCodeOwnersAndRules() => PolicyEvaluator.Evaluate(withFiles, withRules, EvaluatedAt);

    [Benchmark(Description = "PullRequestEvaluator.Evaluate + 3,000 files (from JSON, policy file with code-owners)")]
    public PullRequestDecision FromJson() => PullRequestEvaluator.Evaluate(factsWithFiles, EvaluatedAt);
}
