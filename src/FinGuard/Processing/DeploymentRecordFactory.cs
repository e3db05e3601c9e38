using FinGuard.Core.Deployments;
using FinGuard.Core.Evidence;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.GitHub.Deployments;
using FinGuard.GitHub.Evaluation;
using FinGuard.Storage.Deployments;

namespace FinGuard.Processing;

/// <summary>
/// Builds the evidence record of a deployment decision: subject <c>deployment</c> (<c>owner/repo@environment#deployment id</c>),
/// the deployed SHA as head SHA, the payload and GitHub responses as facts, the policy, every control's result, the
/// deployment details (<see cref="EvidenceDeployment"/>: what GitHub is told, the rollback flag) and links to the pull
/// request decisions and the environment's previous approved deployment it relied on.
/// </summary>
public static class DeploymentRecordFactory
{
    public const string DeploymentAction = "deployment.evaluate";

    public const string SubjectType = "deployment";

    /// <summary>The evidence subject id of a deployment.</summary>
    public static string SubjectId(DeploymentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return $"{request.Repository}@{request.Environment}#{(request.DeploymentId is { } id ? id.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"run-{request.RunId.ToString(System.Globalization.CultureInfo.InvariantCulture)}")}";
    }

    public static EvidenceRecord Create(
        DeploymentRequest request,
        DeploymentTrigger trigger,
        DeploymentFactSet facts,
        ResolvedPolicy policy,
        DeploymentSnapshot snapshot,
        EvaluationResult result,
        DateTimeOffset evaluatedAt,
        string mode)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(result);
        var approved = DeploymentEvaluator.VerdictOf(result) == DeploymentVerdict.Approved;
        var links = snapshot.PullRequestDecisions
            .Where(d => d.Evidence is not null)
            .Select(d => new EvidenceLink(EvidenceLink.PullRequestDecision, d.Evidence!.Chain, d.Evidence.Sequence, d.Evidence.Sha256))
            .Distinct()
            .ToList();
        if (snapshot.PreviousApproved is { } previous)
        {
            links.Add(new EvidenceLink(EvidenceLink.PreviousDeploymentDecision, previous.Evidence.Chain, previous.Evidence.Sequence, previous.Evidence.Sha256));
        }

        return new EvidenceRecord
        {
            EventId = Guid.CreateVersion7(evaluatedAt).ToString(),
            Chain = request.Repository.ToLowerInvariant(),
            Timestamp = evaluatedAt,
            FinGuardVersion = Hosting.FinGuardApp.Version,
            Mode = mode,
            Action = DeploymentAction,
            Source = trigger.Source ?? $"github-webhook:{trigger.Event}{(trigger.Action is null ? "" : "." + trigger.Action)}",
            DeliveryId = trigger.DeliveryId,
            Actor = trigger.Actor,
            Subject = new EvidenceSubject
            {
                Type = SubjectType,
                Id = SubjectId(request),
                Repository = request.Repository,
                RepositoryId = request.RepositoryId,
                InstallationId = request.InstallationId,
                HeadSha = snapshot.Sha,
                BaseRef = snapshot.Ref,
            },
            Facts =
            [
                .. facts.Facts.Select(f => EvidenceFact.Canonical(f.Name, f.Request, f.Body)),
                Custody(snapshot),
            ],
            Policy = new EvidencePolicy(policy.Source, policy.BlobShas, PolicyJsonContext.ToElement(policy.Policy)),
            Result = ResultOf(result),
            Deployment = new EvidenceDeployment
            {
                Environment = request.Environment,
                DeploymentId = request.DeploymentId,
                RunId = request.RunId,
                Ref = snapshot.Ref,
                RefKind = snapshot.RefKind.ToString().ToLowerInvariant(),
                State = approved ? DeploymentProtectionRuleClient.Approved : DeploymentProtectionRuleClient.Rejected,
                Rollback = snapshot.IsRollback,
                PreviousSha = snapshot.PreviousApproved?.Sha,
            },
            Links = links.Count == 0 ? null : links,
        };
    }

    /// <summary>The evidence form of a deployment decision's result (also what replay compares against).</summary>
    public static EvidenceResult ResultOf(EvaluationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var approved = DeploymentEvaluator.VerdictOf(result) == DeploymentVerdict.Approved;
        return new EvidenceResult(
            approved ? "pass" : "fail",
            approved ? "success" : "failure",
            result.ReasonCode,
            result.Title,
            result.Controls.Select(c => new EvidenceControl(c.Id, c.Status.ToString().ToLowerInvariant(), c.Summary, c.Reasons, EvidenceRecordFactory.ExceptionOf(c), EvidenceRecordFactory.WaiversOf(c))).ToList());
    }

    /// <summary>The inputs taken from FinGuard's own evidence, as a fact, so the record replays on its own.</summary>
    private static EvidenceFact Custody(DeploymentSnapshot snapshot)
    {
        var body = new DeploymentInputs(snapshot.PullRequestDecisions, snapshot.PreviousApproved).ToJson();
        return EvidenceFact.Canonical(DeploymentInputs.FactName, DeploymentInputs.FactSource, body);
    }
}
