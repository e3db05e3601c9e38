using System.Collections.Immutable;

namespace FinGuard.Core.Policy;

/// <summary>
/// One entry of <c>separation-of-duties.approval-rules</c>: changes to some paths (optionally only when an added line
/// matches a pattern) need approvals of their own, from members of some teams. Rules add to the control's
/// <c>required-approvals</c>, never replace it.
/// </summary>
public sealed record ApprovalRule
{
    /// <summary>Longest a regular expression may run on one added line before the rule applies anyway (fail closed).</summary>
    public static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Shown in the check and evidence; unique within a policy file.</summary>
    public required string Name { get; init; }

    /// <summary>Path patterns (<see cref="Paths.PathGlob.Policy"/>); a changed file matching one of them triggers the rule.</summary>
    public required ImmutableArray<string> Paths { get; init; }

    /// <summary>
    /// .NET regular expressions; when not empty the rule applies only if an added line of a matching file matches one of
    /// them (or the file's patch is not available).
    /// </summary>
    public ImmutableArray<string> AddedLinesMatch { get; init; } = [];

    /// <summary>Distinct eligible approvals the rule needs on the current head, 1 to 10.</summary>
    public int RequiredApprovals { get; init; } = 1;

    /// <summary>When not empty, only members of at least one of these teams (<c>org/team-slug</c>) count for this rule.</summary>
    public ImmutableArray<string> ApproverTeams { get; init; } = [];
}
