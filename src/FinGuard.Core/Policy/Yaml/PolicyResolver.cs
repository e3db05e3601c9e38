using System.Collections.Immutable;

namespace FinGuard.Core.Policy.Yaml;

/// <summary>
/// The resolved policy and every setting of the repository file that could not take effect because the
/// organisation enforces a stronger one. The problems' positions are in the repository file.
/// </summary>
public sealed record PolicyResolution(FinGuardPolicy Policy, ImmutableArray<PolicyProblem> Problems);

/// <summary>
/// Merges the organisation's and the repository's policy files into the <see cref="FinGuardPolicy"/> an evaluation
/// uses. Start from <see cref="FinGuardPolicy.Default"/>; every setting the organisation file sets replaces the
/// default; then, section by section, every setting the repository file sets replaces it too — unless the
/// organisation marks the section <c>enforced</c>, in which case the repository may only make it stricter, and
/// each attempt to weaken it is reported and overruled (see each section's <c>Resolve</c>).
/// <c>branches</c> is the union: the organisation's list (or the default) plus the repository's, so a repository can
/// add branches but never remove one. Pure: no I/O, no time.
/// </summary>
public static class PolicyResolver
{
    /// <param name="organisation">The organisation file, or null when there is none.</param>
    /// <param name="repository">The repository file, or null when there is none.</param>
    public static PolicyResolution Resolve(PolicyDocument? organisation, PolicyDocument? repository)
    {
        var problems = new List<PolicyProblem>();
        var defaults = FinGuardPolicy.Default;
        var branches = organisation?.Branches?.Value ?? defaults.Branches;
        if (repository?.Branches is { } added)
        {
            branches = branches.Concat(added.Value).Distinct(PolicyValueSyntax.BranchComparer).ToImmutableArray();
        }

        var policy = defaults with
        {
            Branches = branches,
            SignedCommits = SignedCommitsSection.Resolve(
                defaults.SignedCommits, organisation?.SignedCommits, repository?.SignedCommits, problems),
            SeparationOfDuties = SeparationOfDutiesSection.Resolve(
                defaults.SeparationOfDuties, organisation?.SeparationOfDuties, repository?.SeparationOfDuties, problems),
            ScanStatus = ScanStatusSection.Resolve(
                defaults.ScanStatus, organisation?.ScanStatus, repository?.ScanStatus, problems),
            FreezeWindow = FreezeWindowSection.Resolve(
                defaults.FreezeWindow, organisation?.FreezeWindow, repository?.FreezeWindow, problems),
            Deployments = DeploymentsSection.Resolve(
                defaults.Deployments, organisation?.Deployments, repository?.Deployments, problems),
        };

        return new PolicyResolution(policy, [.. problems.OrderBy(p => p.Line).ThenBy(p => p.Column)]);
    }
}
