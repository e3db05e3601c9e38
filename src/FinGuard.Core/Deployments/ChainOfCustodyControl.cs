using System.Collections.Immutable;
using FinGuard.Core.Controls;
using FinGuard.Core.Results;

namespace FinGuard.Core.Deployments;

/// <summary>
/// <c>chain-of-custody</c>: the deployed commit reached the repository through a pull request FinGuard passed.
/// <para><b>Trigger</b>: <c>deployment_protection_rule</c> requested; <c>deployment_review</c> (re-decision).</para>
/// <para><b>Conditions</b>: the deployed SHA is the head of a pull request, or the merge commit GitHub made when it
/// merged one (<c>merge_commit_sha</c>: merge, squash or the last rebased commit), and FinGuard's latest decision about
/// that pull request's head passed. With <c>require-pr-decision: evidence</c> (the default) the decision must already
/// be in the evidence; with <c>evaluate-now</c> a pull request without a passing recorded decision is evaluated at
/// deployment time and that decision (itself recorded) counts.</para>
/// <para><b>Outcome</b>: pass naming the pull request(s) and their decision records; fail when the commit is linked to
/// no pull request ("unmerged SHA": pushed directly, or from a branch never proposed), or when no linked pull
/// request's decision passed, naming each and why. Fail, whatever else passed, when FinGuard's evidence about any of
/// them could not be verified (<see cref="PullRequestDecisionFact.EvidenceProblem"/>): the evidence has been changed
/// outside FinGuard and cannot vouch for anything. A decision is decisive for its SHA, so this control never waits.</para>
/// </summary>
public sealed class ChainOfCustodyControl : IDeploymentControl
{
    public const string ControlId = "chain-of-custody";

    public string Id => ControlId;

    public string Name => "Chain of custody";

    public ControlResult Evaluate(DeploymentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var deployment = context.Deployment;
        var sha = Short(deployment.Sha);
        var decisions = deployment.PullRequestDecisions.IsDefault ? [] : deployment.PullRequestDecisions;
        var source = context.Environment.RequirePullRequestDecision;

        if (decisions.Length == 0)
        {
            return Result(
                ControlStatus.Fail,
                $"`{sha}` is not the head or merge commit of any pull request: nothing shows this change was reviewed.",
                [new ResultDetail(sha, false, "GitHub lists no pull request whose head or merge commit this is (pushed directly, or never proposed)")],
                "Deploy a commit that reached the repository through a pull request FinGuard passed: its merge commit, or its head.");
        }

        var details = decisions.Select(Describe).ToImmutableArray();
        var corrupt = decisions.Where(d => d.EvidenceProblem is not null).ToList();
        if (corrupt.Count > 0)
        {
            return Result(
                ControlStatus.Fail,
                $"FinGuard's evidence about {SeparationOfDutiesControl.AndList(corrupt.Select(d => $"#{d.Number}").Distinct())} does not verify (its index disagrees with the records, or a record's hash with the chain), so it cannot vouch for `{sha}`.",
                details,
                $"Nothing was decided from the damaged evidence. Run `finguard evidence verify --live --repo {deployment.Repository}` to list every break, and contact FinGuard's operators: the evidence store was changed outside FinGuard and must be investigated and its index repaired before this deployment can be approved.");
        }

        var passing = decisions.Where(d => d.Passed).ToList();
        if (passing.Count > 0)
        {
            var names = SeparationOfDutiesControl.AndList(passing.Select(d => $"#{d.Number}"));
            var how = passing.All(d => d.MatchedBy == CustodyMatch.MergeCommit) ? "merge commit of" : passing.All(d => d.MatchedBy == CustodyMatch.Head) ? "head of" : "head or merge commit of";
            var records = SeparationOfDutiesControl.AndList(passing.Where(d => d.Evidence is not null).Select(d => $"{d.Evidence!.Chain}#{d.Evidence.Sequence}"));
            var now = passing.Any(d => d.EvaluatedNow) ? " (evaluated at deployment time)" : "";
            // Offline evaluation (evaluate deployment --offline) decides pull requests from their folders: no record to name.
            var evidence = records.Length == 0 ? "" : $": evidence {records}";
            return Result(ControlStatus.Pass, $"`{sha}` is the {how} pull request {names}, which FinGuard passed{now}{evidence}.", details);
        }

        var fix = source == PullRequestDecisionSource.Evidence
            ? "Fix the pull request until FinGuard passes it, merge it, and deploy the resulting commit. This environment needs a passing decision recorded before the deployment (require-pr-decision: evidence)."
            : "Fix the pull request until FinGuard passes it, merge it, and deploy the resulting commit.";
        return Result(
            ControlStatus.Fail,
            $"`{sha}` comes from {SeparationOfDutiesControl.AndList(decisions.Select(d => $"#{d.Number}"))}, but FinGuard has no passing decision for {(decisions.Length == 1 ? "it" : "any of them")}.",
            details,
            fix);
    }

    private static ResultDetail Describe(PullRequestDecisionFact decision)
    {
        var link = decision.MatchedBy == CustodyMatch.Head ? $"head {Short(decision.HeadSha)}" : $"merged as this commit (head {Short(decision.HeadSha)})";
        var record = decision.Evidence is { } e ? $" (evidence {e.Chain}#{e.Sequence})" : "";
        var now = decision.EvaluatedNow ? " evaluated at deployment time" : "";
        var message = decision.EvidenceProblem is { } problem ? $"{link}: FinGuard's evidence does not verify: {problem}" : decision.Verdict switch
        {
            "pass" => $"{link}: FinGuard's decision{now} passed{record}",
            null => $"{link}: FinGuard has no decision about this head",
            _ => $"{link}: FinGuard's latest decision{now} did not pass ({decision.ReasonCode ?? decision.Verdict}){record}",
        };
        return new ResultDetail($"#{decision.Number}", decision.Passed, message);
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

    internal static string Short(string sha) => sha.Length > 7 ? sha[..7] : sha;
}
