using System.Collections.Immutable;
using FinGuard.Core.Controls;
using FinGuard.Core.Policy;
using FinGuard.Core.Policy.Yaml;
using FinGuard.Core.Results;
using FinGuard.Core.Snapshots;
using FinGuard.GitHub.Snapshots;

namespace FinGuard.GitHub.Evaluation;

/// <summary>A problem to show on a line of a file in the check run (GitHub annotations).</summary>
/// <param name="Path">Repository path of the file, e.g. <c>.github/finguard.yml</c>.</param>
/// <param name="Repository">Repository holding the file.</param>
/// <param name="Line">1-based line.</param>
/// <param name="Column">1-based column.</param>
/// <param name="Level"><c>failure</c>, <c>warning</c> or <c>notice</c>.</param>
/// <param name="Message">What is wrong.</param>
public sealed record FileAnnotation(string Path, string Repository, int Line, int Column, string Level, string Message);

/// <summary>The policy an evaluation used, where it came from, and what was wrong with the files.</summary>
public sealed record ResolvedPolicy(
    FinGuardPolicy Policy,
    string Source,
    ImmutableArray<string> BlobShas,
    ImmutableArray<FileAnnotation> Problems,
    bool Broken);

/// <summary>The outcome of evaluating one fact set.</summary>
public sealed record PullRequestDecision(PullRequestSnapshot Snapshot, ResolvedPolicy Policy, EvaluationResult Result);

/// <summary>
/// The one evaluation path for pull requests: parse GitHub's responses into a snapshot, resolve the policy files
/// (organisation defaults + the repository file from the base branch), and run the pure evaluator. A broken
/// policy file never passes silently: it adds a failing <c>policy</c> result with annotations on the offending
/// lines, and the controls run with the safe defaults for anything the broken file would have set.
/// </summary>
public static class PullRequestEvaluator
{
    public const string PolicyControlId = "policy";

    public static PullRequestDecision Evaluate(PullRequestFactSet facts, DateTimeOffset evaluatedAt)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var policy = ResolvePolicy(facts.OrganizationPolicy, facts.RepositoryPolicy);
        var snapshot = PullRequestSnapshotParser.Parse(
            facts.Repository, facts.Pull, facts.CommitPages, facts.ReviewPages, facts.TeamMembers, facts.Permissions, facts.IssueEventPages, facts.HeadPushes);
        if (facts.FilePages is { } filePages)
        {
            snapshot = snapshot with { ChangedFiles = PullRequestSnapshotParser.ChangedFiles(filePages) };
        }

        if (facts.CodeOwners is { } codeOwners)
        {
            snapshot = snapshot with { CodeOwners = codeOwners.ToFact() };
        }

        if (facts.ScanResponses is { } scans)
        {
            snapshot = snapshot with { Scans = scans.Parse() };
        }

        if (facts.Comparisons.Count > 0)
        {
            snapshot = snapshot with { Comparisons = PullRequestSnapshotParser.Comparisons(facts.Comparisons) };
        }

        var result = PolicyEvaluator.Evaluate(snapshot, policy.Policy, evaluatedAt);
        if (policy.Problems.Length > 0)
        {
            result = EvaluationResult.FromControls([PolicyResult(policy), .. result.Controls]);
        }

        return new PullRequestDecision(snapshot, policy, result);
    }

    public static ResolvedPolicy ResolvePolicy(PolicyFile? organization, PolicyFile? repository)
    {
        var problems = ImmutableArray.CreateBuilder<FileAnnotation>();
        var broken = false;
        PolicyDocument? Parse(PolicyFile? file, PolicyFileKind kind)
        {
            if (file is null)
            {
                return null;
            }

            var parsed = PolicyFileParser.Parse(file.Text, kind);
            foreach (var problem in parsed.Problems)
            {
                problems.Add(new FileAnnotation(file.Path, file.Repository, problem.Line, problem.Column, "failure", problem.Message));
            }

            broken |= !parsed.IsValid;
            return parsed.Document;
        }

        var org = Parse(organization, PolicyFileKind.Organisation);
        var repo = Parse(repository, PolicyFileKind.Repository);
        var resolution = PolicyResolver.Resolve(org, repo);
        foreach (var problem in resolution.Problems)
        {
            var file = repository ?? organization;
            problems.Add(new FileAnnotation(file?.Path ?? ".github/finguard.yml", file?.Repository ?? "", problem.Line, problem.Column, "warning", problem.Message));
        }

        var sources = new[] { organization, repository }.OfType<PolicyFile>().ToList();
        return new ResolvedPolicy(
            resolution.Policy,
            sources.Count == 0 ? "default" : string.Join(" + ", sources.Select(s => s.DisplayName)),
            [.. sources.Select(s => s.BlobSha).OfType<string>()],
            problems.ToImmutable(),
            broken);
    }

    private static ControlResult PolicyResult(ResolvedPolicy policy) => new()
    {
        Id = PolicyControlId,
        Name = "Policy file",
        Status = policy.Broken ? ControlStatus.Error : ControlStatus.Pass,
        Summary = policy.Broken
            ? $"The policy file has {policy.Problems.Count(p => p.Level == "failure")} problem(s); the safe defaults apply where it could not be read."
            : $"The policy file has {policy.Problems.Length} warning(s).",
        Details = [.. policy.Problems.Select(p => new ResultDetail($"{p.Path}:{p.Line}:{p.Column}", p.Level != "failure", p.Message))],
        HowToFix = policy.Broken
            ? "Fix the lines annotated in the policy file on the base branch (run `finguard config validate .github/finguard.yml` locally), then re-run FinGuard."
            : null,
    };
}
