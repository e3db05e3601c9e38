using FinGuard.Core.Evidence;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.GitHub.Evaluation;

namespace FinGuard.Processing;

/// <summary>
/// Who or what a decision is about, and why it was made; supplied by the trigger. <c>Source</c> is the evidence
/// record's <c>source</c>; null means <c>github-webhook:{Event}.{Action}</c>. <c>HeadSha</c> is the head the delivery
/// named, if any: where a "could not reach GitHub" check goes when the pull request itself cannot be loaded.
/// </summary>
public sealed record PullRequestTrigger(
    long InstallationId,
    string Repository,
    long? RepositoryId,
    int Number,
    string DeliveryId,
    string Event,
    string? Action,
    EvidenceActor Actor,
    string? Source = null,
    string? HeadSha = null)
{
    /// <summary>
    /// The <c>pull_request</c> object of a <c>pull_request</c> delivery (the same object GitHub's REST API returns);
    /// used instead of reading the pull request again while no decision is recorded for its head SHA.
    /// </summary>
    public System.Text.Json.JsonElement? Pull { get; init; }
}

/// <summary>Builds the evidence record of a pull request decision: the facts, the policy and the result tree.</summary>
public static class EvidenceRecordFactory
{
    public const string PullRequestAction = "pull_request.evaluate";

    public static EvidenceRecord ForPullRequest(
        PullRequestTrigger trigger,
        PullRequestFactSet facts,
        PullRequestDecision decision,
        DateTimeOffset evaluatedAt,
        string mode)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentNullException.ThrowIfNull(facts);
        ArgumentNullException.ThrowIfNull(decision);
        var snapshot = decision.Snapshot;
        var result = decision.Result;
        return new EvidenceRecord
        {
            EventId = Guid.CreateVersion7(evaluatedAt).ToString(),
            Chain = trigger.Repository.ToLowerInvariant(),
            Timestamp = evaluatedAt,
            FinGuardVersion = Hosting.FinGuardApp.Version,
            Mode = mode,
            Action = PullRequestAction,
            Source = trigger.Source ?? $"github-webhook:{trigger.Event}{(trigger.Action is null ? "" : "." + trigger.Action)}",
            DeliveryId = trigger.DeliveryId,
            Actor = trigger.Actor,
            Subject = new EvidenceSubject
            {
                Type = "pull_request",
                Id = $"{trigger.Repository}#{snapshot.Number}",
                Repository = trigger.Repository,
                RepositoryId = trigger.RepositoryId,
                InstallationId = trigger.InstallationId,
                PullRequest = snapshot.Number,
                HeadSha = snapshot.HeadSha,
                BaseRef = snapshot.BaseRef,
            },
            Facts = facts.Facts.Select(f => EvidenceFact.Canonical(f.Name, f.Request, f.Body)).ToList(),
            Policy = new EvidencePolicy(decision.Policy.Source, decision.Policy.BlobShas, PolicyJsonContext.ToElement(decision.Policy.Policy)),
            Result = new EvidenceResult(
                result.Conclusion == Conclusion.Success ? "pass" : "fail",
                GitHub.Checks.CheckRunRenderer.ConclusionName(result.Conclusion),
                result.ReasonCode,
                result.Title,
                result.Controls.Select(c => new EvidenceControl(c.Id, c.Status.ToString().ToLowerInvariant(), c.Summary, c.Reasons, ExceptionOf(c), WaiversOf(c))).ToList()),
        };
    }

    /// <summary>The evidence form of the waivers a control applied, or null when it applied none (the field is then omitted).</summary>
    public static IReadOnlyList<EvidenceWaiver>? WaiversOf(ControlResult control)
    {
        ArgumentNullException.ThrowIfNull(control);
        return control.Waivers.Length == 0
            ? null
            : [.. control.Waivers.Select(w => new EvidenceWaiver
            {
                Rule = w.Waiver.Rule,
                Fingerprint = w.Waiver.Fingerprint,
                Expires = w.Waiver.Expires.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                ApprovedBy = w.Waiver.ApprovedBy,
                Reason = w.Waiver.Reason,
                Findings = w.Findings,
            })];
    }

    /// <summary>The evidence form of a control's exception (break-glass), or null.</summary>
    internal static EvidenceExceptionInfo? ExceptionOf(ControlResult control) => control.Exception is not { } exception
        ? null
        : new EvidenceExceptionInfo
        {
            Type = exception.Type,
            Label = exception.Label,
            InvokedBy = Actor(exception.InvokedBy),
            ApprovedBy = Actor(exception.ApprovedBy),
            ApprovedVia = exception.ApprovedVia,
            ApprovedAt = exception.ApprovedAt,
            ExpiresAt = exception.ExpiresAt,
            Bypassed = [.. exception.Bypassed],
        };

    private static EvidenceActor Actor(Core.Snapshots.GitHubUser user) => new(user.IsBot ? "bot" : "user", user.Id, user.Login);
}
