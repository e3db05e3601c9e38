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
/// <item><see cref="PolicyEvaluatorWithFindings"/>: the same, with the <c>scan-status</c> control judging a ready
/// Semgrep report of <see cref="Findings"/> findings (parsing it is the <c>parsing</c> benchmark's subject): the
/// issue's "250-commit, 50-review, 5,000-finding" pull request.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class EvaluationBenchmarks
{
    private static readonly DateTimeOffset EvaluatedAt = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private EvaluationFacts facts = null!;
    private PullRequestSnapshot snapshot = null!;
    private FinGuardPolicy policy = null!;
    private PullRequestSnapshot snapshotWithFindings = null!;
    private FinGuardPolicy policyWithFindings = null!;

    /// <summary>Findings in the scan report of <see cref="PolicyEvaluatorWithFindings"/>.</summary>
    public const int Findings = 5_000;

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

        var report = Core.Scans.ScanReportParser.Parse(Parsing.ScanReportGenerator.SemgrepJson(Findings));
        if (!report.IsParsed || report.Report.Findings.Length < Findings * 9 / 10)
        {
            throw new InvalidOperationException($"The generated scan report did not parse into ~{Findings} findings: {report}");
        }

        snapshotWithFindings = snapshot with
        {
            Scans = new Core.Scans.ScanFacts
            {
                Files = [new Core.Scans.ScanFileFact { Artifact = "security-results", File = "semgrep.json", State = Core.Scans.ScanFileState.Found, HeadSha = snapshot.HeadSha, Parsed = report }],
            },
        };
        policyWithFindings = policy with
        {
            ScanStatus = new Core.Scans.ScanStatusPolicy { Artifacts = [new Core.Scans.ScanArtifact { Name = "security-results", Files = ["semgrep.json"] }] },
        };

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

    [Benchmark(Description = "PolicyEvaluator.Evaluate + 5,000 findings")]
    public EvaluationResult PolicyEvaluatorWithFindings() => PolicyEvaluator.Evaluate(snapshotWithFindings, policyWithFindings, EvaluatedAt);
}
