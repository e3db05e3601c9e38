using System.Text.Json;
using BenchmarkDotNet.Attributes;
using FinGuard.Core.Controls;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;

namespace FinGuard.Benchmarks.Evaluation;

/// <summary>
/// One pull request decision on a 250-commit pull request with 10 to 200 reviews:
/// <list type="bullet">
/// <item><see cref="ParseJson"/> (baseline): <c>JsonDocument.Parse</c> of the same GitHub responses, the least any
/// evaluation of them costs;</item>
/// <item><see cref="PullRequestEvaluatorEvaluate"/>: what the worker runs — snapshot from the responses, policy file
/// parsed and resolved, every control evaluated into the result tree;</item>
/// <item><see cref="PolicyEvaluatorEvaluate"/>: the pure controls alone, on a ready snapshot and policy.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class EvaluationBenchmarks
{
    private static readonly DateTimeOffset EvaluatedAt = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private EvaluationFacts facts = null!;
    private PullRequestSnapshot snapshot = null!;
    private FinGuardPolicy policy = null!;

    [Params(250)]
    public int Commits { get; set; }

    [Params(10, 50, 100, 200)]
    public int Reviews { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        facts = EvaluationFacts.Create(Commits, Reviews);
        var set = facts.Facts;
        snapshot = PullRequestSnapshotParser.Parse(set.Repository, set.Pull, set.CommitPages, set.ReviewPages, set.TeamMembers);
        policy = PullRequestEvaluator.ResolvePolicy(set.OrganizationPolicy, set.RepositoryPolicy).Policy;

        // A benchmark of a broken evaluation would measure the error path.
        var decision = PullRequestEvaluator.Evaluate(set, EvaluatedAt);
        if (decision.Policy.Problems.Length > 0 || decision.Snapshot.Commits.Length != Commits || decision.Snapshot.Reviews.Length != Reviews)
        {
            throw new InvalidOperationException($"The benchmark facts do not evaluate cleanly: {decision.Policy.Problems.Length} policy problem(s), " +
                $"{decision.Snapshot.Commits.Length} commits, {decision.Snapshot.Reviews.Length} reviews.");
        }
    }

    [Benchmark(Baseline = true, Description = "JsonDocument.Parse (same JSON)")]
    public int ParseJson()
    {
        var items = 0;
        foreach (var bytes in facts.Json)
        {
            using var document = JsonDocument.Parse(bytes);
            items += document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.GetArrayLength() : 1;
        }

        return items;
    }

    [Benchmark(Description = "PullRequestEvaluator.Evaluate")]
    public PullRequestDecision PullRequestEvaluatorEvaluate() => PullRequestEvaluator.Evaluate(facts.Facts, EvaluatedAt);

    [Benchmark(Description = "PolicyEvaluator.Evaluate")]
    public EvaluationResult PolicyEvaluatorEvaluate() => PolicyEvaluator.Evaluate(snapshot, policy, EvaluatedAt);
}
