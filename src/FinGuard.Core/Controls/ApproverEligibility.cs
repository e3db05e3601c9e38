using System.Collections.Immutable;
using FinGuard.Core.Policy;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Controls;

/// <summary>
/// Who may approve a change: the separation-of-duties rules every approval FinGuard counts is held to — a pull
/// request's approvals, a break-glass approval of a pull request or of a deployment, and a deployment's environment
/// approvals. One place, so the paths can never disagree.
/// <para>A rule returns why someone may not approve, or null. <i>Identity</i> rules (wrote the change, deployed it, is
/// a bot, is excluded by the policy) also mean that person's objection does not block; <i>authorisation</i> rules
/// (write access) only stop an approval from counting — as on GitHub, anyone's requested changes stand.</para>
/// <para>Rules are checked in order and every reason is reported, so a reader sees all of them.</para>
/// </summary>
public sealed class ApproverEligibility
{
    private readonly ImmutableArray<Func<GitHubUser, string?>> identityRules;
    private readonly ImmutableArray<Func<GitHubUser, string?>> authorisationRules;

    public ApproverEligibility(IEnumerable<Func<GitHubUser, string?>> identityRules, IEnumerable<Func<GitHubUser, string?>> authorisationRules)
    {
        this.identityRules = [.. identityRules];
        this.authorisationRules = [.. authorisationRules];
    }

    /// <summary>
    /// The rules of <paramref name="policy"/> for a change whose writers <paramref name="writerRoles"/> describes
    /// (null for someone who did not write it), with the reviewers' repository permissions.
    /// </summary>
    /// <param name="writerRoles">Why someone counts as a writer of the change ("opened this pull request; authored 01aaaaa"), or null.</param>
    /// <param name="policy">The separation-of-duties settings: excluded approvers, whether write access is required.</param>
    /// <param name="permissions">Each reviewer's permission FinGuard read (login, case-insensitive); absent: unknown.</param>
    /// <param name="deployers">For a deployment: who deployed it (they cannot approve it). Empty for a pull request.</param>
    public static ApproverEligibility For(
        Func<GitHubUser, string?> writerRoles,
        SeparationOfDutiesPolicy policy,
        IReadOnlyDictionary<string, RepositoryAccess> permissions,
        ImmutableArray<GitHubUser> deployers = default)
    {
        ArgumentNullException.ThrowIfNull(writerRoles);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(permissions);
        var excluded = policy.ExcludedApprovers.IsDefault ? [] : policy.ExcludedApprovers;
        var deployedBy = deployers.IsDefault ? [] : deployers;
        return new ApproverEligibility(
            [
                user => deployedBy.Any(d => d.Id == user.Id) ? "deployed this change" : null,
                writerRoles,
                user => user.IsBot ? "is a bot" : null,
                user => excluded.Contains(user.Login, StringComparer.OrdinalIgnoreCase) ? "is excluded from approving by this policy" : null,
            ],
            policy.RequireWriteAccess ? [user => WriteAccess(user, permissions)] : []);
    }

    /// <summary>A rule added to those of this instance: an identity rule (also stops an objection from blocking) or an authorisation rule.</summary>
    public ApproverEligibility With(Func<GitHubUser, string?> rule, bool identity) =>
        identity ? new ApproverEligibility([.. identityRules, rule], authorisationRules) : new ApproverEligibility(identityRules, [.. authorisationRules, rule]);

    /// <summary>Why <paramref name="user"/>'s objection (changes requested, a rejection) does not block; empty when it does.</summary>
    public List<string> CannotBlock(GitHubUser user) => [.. Reasons(identityRules, user)];

    /// <summary>
    /// Why <paramref name="user"/>'s approval does not count; empty when it counts. Team membership is checked by each
    /// caller against its own teams and passed as <paramref name="membership"/> (null: a member, or no teams).
    /// </summary>
    public List<string> CannotApprove(GitHubUser user, string? membership = null) =>
        [.. Reasons(identityRules, user), .. membership is null ? [] : new[] { membership }, .. Reasons(authorisationRules, user)];

    /// <summary>Why the permission FinGuard read does not let <paramref name="user"/> approve; null when it does.</summary>
    public static string? WriteAccess(GitHubUser user, IReadOnlyDictionary<string, RepositoryAccess> permissions)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(permissions);
        if (!permissions.TryGetValue(user.Login, out var permission))
        {
            return "FinGuard could not read their permission on this repository, so it cannot tell that they may approve (fail closed)";
        }

        return permission.CanWrite
            ? null
            : $"has {permission.Describe()} access to this repository; only people with write, maintain or admin access can approve";
    }

    private static IEnumerable<string> Reasons(ImmutableArray<Func<GitHubUser, string?>> rules, GitHubUser user)
    {
        foreach (var rule in rules)
        {
            if (rule(user) is { } reason)
            {
                yield return reason;
            }
        }
    }
}
