using System.Collections.Immutable;
using FinGuard.Core.Controls;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;

namespace FinGuard.Core.Deployments;

/// <summary>
/// <c>allowed-refs</c>: an environment is deployed only from the branches and tags its policy allows.
/// <para><b>Trigger</b>: <c>deployment_protection_rule</c> requested (the ref does not change afterwards).</para>
/// <para><b>Conditions</b>: a branch must match one of <c>allowed-refs.branches</c> (<see cref="BranchPattern"/>;
/// <c>$default</c> is the repository's default branch; the default list is <c>[$default]</c>); a tag must match one
/// of <c>allowed-refs.tags</c> (same wildcards; none by default). A deployment of a bare commit SHA, or one whose ref
/// GitHub did not report, matches nothing.</para>
/// <para><b>Outcome</b>: pass naming the ref and the pattern it matched; fail naming the ref and what is allowed.</para>
/// </summary>
public sealed class AllowedRefsControl : IDeploymentControl
{
    public const string ControlId = "allowed-refs";

    public string Id => ControlId;

    public string Name => "Allowed source refs";

    public ControlResult Evaluate(DeploymentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var deployment = context.Deployment;
        var environment = context.Environment;
        var branches = environment.AllowedBranches.IsDefault ? [] : environment.AllowedBranches;
        var tags = environment.AllowedTags.IsDefault ? [] : environment.AllowedTags;
        var allowed = Describe(branches, tags, deployment.DefaultBranch);

        switch (deployment.RefKind)
        {
            case DeployedRefKind.Branch or DeployedRefKind.Tag when deployment.RefName is { } name:
            {
                var isBranch = deployment.RefKind == DeployedRefKind.Branch;
                var patterns = isBranch ? branches : tags;
                var kind = isBranch ? "branch" : "tag";
                var match = patterns.FirstOrDefault(p => BranchPattern.IsMatch(p, name, isBranch ? deployment.DefaultBranch : null));
                return match is not null
                    ? Result(ControlStatus.Pass, $"Deployed from {kind} `{name}`, allowed for {deployment.Environment} by `{match}`.", [new ResultDetail(name, true, $"{kind} matches `{match}`")])
                    : Result(
                        ControlStatus.Fail,
                        $"Deployed from {kind} `{name}`, which {deployment.Environment} does not allow ({allowed}).",
                        [new ResultDetail(name, false, $"{kind} matches none of the allowed {kind} patterns")],
                        $"Deploy {deployment.Environment} from an allowed branch or tag ({allowed}), or change deployments.environments.{deployment.Environment}.allowed-refs in the policy file on the default branch.");
            }

            case DeployedRefKind.Commit:
                return Result(
                    ControlStatus.Fail,
                    $"Deployed by commit SHA (`{deployment.Ref}`), not from a branch or tag; {deployment.Environment} allows {allowed}.",
                    [new ResultDetail(deployment.Ref ?? deployment.Sha, false, "a bare SHA names no branch or tag")],
                    $"Deploy from an allowed branch or tag ({allowed}).");

            default:
                return Result(
                    ControlStatus.Fail,
                    "GitHub did not say which branch or tag is deployed, so FinGuard cannot check it (fail closed).",
                    [new ResultDetail(deployment.Ref ?? "(none)", false, "no branch or tag")],
                    $"Deploy from an allowed branch or tag ({allowed}).");
        }
    }

    private static string Describe(ImmutableArray<string> branches, ImmutableArray<string> tags, string? defaultBranch)
    {
        string List(IEnumerable<string> patterns) => string.Join(", ", patterns.Select(p => p == FinGuardPolicy.DefaultBranchToken
            ? $"`{p}` ({defaultBranch ?? "default branch unknown"})"
            : $"`{p}`"));
        var parts = new List<string>();
        if (branches.Length > 0)
        {
            parts.Add($"branches {List(branches)}");
        }

        if (tags.Length > 0)
        {
            parts.Add($"tags {List(tags)}");
        }

        return parts.Count == 0 ? "nothing" : string.Join("; ", parts);
    }

    private ControlResult Result(ControlStatus status, string summary, ImmutableArray<ResultDetail> details, string? howToFix = null) => new()
    {
        Id = Id,
        Name = Name,
        Status = status,
        Summary = summary,
        Details = details,
        HowToFix = howToFix,
    };
}
