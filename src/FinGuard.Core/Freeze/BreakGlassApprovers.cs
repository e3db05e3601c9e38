using System.Collections.Immutable;
using FinGuard.Core.Controls;
using FinGuard.Core.Snapshots;

namespace FinGuard.Core.Freeze;

/// <summary>
/// Who may approve a break-glass — of a pull request (<see cref="FreezeWindowControl"/>) or of a deployment
/// (<see cref="Deployments.DeploymentFreezeControl"/>): someone eligible under every separation-of-duties rule
/// (<see cref="ApproverEligibility"/>: not a writer of the change nor its deployer, not a bot, not excluded, with write
/// access when the policy requires it) <b>and</b> a member of one of the break-glass approver teams. Both paths ask this
/// one function, so they cannot disagree about who may approve; each adds only the timing its procedure defines.
/// </summary>
public static class BreakGlassApprovers
{
    /// <summary>
    /// Why <paramref name="user"/> may not approve a break-glass (empty when they may), and the break-glass team they
    /// approve as (null when they are in none).
    /// </summary>
    public static (List<string> Reasons, string? Team) Judge(
        GitHubUser user,
        ApproverEligibility eligibility,
        BreakGlassPolicy breakGlass,
        IReadOnlyDictionary<string, ImmutableHashSet<string>> teamMembers)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(eligibility);
        ArgumentNullException.ThrowIfNull(breakGlass);
        ArgumentNullException.ThrowIfNull(teamMembers);
        var teams = breakGlass.ApproverTeams.IsDefault ? [] : breakGlass.ApproverTeams;
        var team = teams.FirstOrDefault(t => teamMembers.TryGetValue(t, out var members) && members.Contains(user.Login));
        var reasons = eligibility.CannotApprove(user, team is null ? $"is not a member of {SeparationOfDutiesControl.OrList(teams)}" : null);
        return (reasons, team);
    }

    /// <summary>The break-glass approver teams whose members were not loaded (each a reason to fail closed).</summary>
    public static List<string> MissingTeams(BreakGlassPolicy breakGlass, IReadOnlyDictionary<string, ImmutableHashSet<string>> teamMembers)
    {
        ArgumentNullException.ThrowIfNull(breakGlass);
        ArgumentNullException.ThrowIfNull(teamMembers);
        var teams = breakGlass.ApproverTeams.IsDefault ? [] : breakGlass.ApproverTeams;
        return [.. teams.Where(t => !teamMembers.ContainsKey(t)).Distinct(StringComparer.OrdinalIgnoreCase)];
    }
}
