using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FinGuard.Core.Controls;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Core.Policy;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;
using FinGuard.GitHub.Webhooks;

namespace FinGuard.Processing;

/// <summary>
/// The population of changes: what reached a covered branch or environment, whether or not it went through FinGuard.
/// <list type="bullet">
/// <item><b>Trigger</b>: <c>pull_request</c> <c>closed</c> with <c>merged: true</c>; <c>push</c> to a branch
/// (<c>refs/heads/…</c>, not a deletion); <c>deployment_status</c> <c>success</c>.</item>
/// <item><b>Coverage</b>: a branch is covered when it matches the policy's <c>branches</c>, read as it was before the
/// change (a merge: the pull request's <c>base.sha</c>; a push: <c>before</c>; a new branch: the default branch), so a
/// change cannot take itself out of scope. An environment is covered when the default branch's policy names it under
/// <c>deployments.environments</c>.</item>
/// <item><b>Justification</b>, read only from evidence records whose hash verified
/// (<see cref="IEvidenceStore.ReadVerifiedAsync"/>): a merge needs a passing FinGuard decision about the merged head
/// SHA of that pull request (or a passing merge-queue decision about the new head); a push needs a passing merge-queue
/// decision about its head, or GitHub naming a merged pull request into the branch whose merge commit is that head
/// (<c>GET /repos/{o}/{r}/commits/{sha}/pulls</c>); a deployment needs FinGuard's approved decision about that
/// deployment id.</item>
/// <item><b>Outcome</b>: a <c>change.merge</c> / <c>change.push</c> record linking the new head to its justification,
/// or an <c>exception.recorded</c> record (merge without a passing decision, direct push, force push, a passing
/// decision that used break-glass, a deployment approved outside FinGuard), surfaced as configured
/// (<see cref="ExceptionSurfacing"/>). A redelivery of the same delivery finds its record and writes nothing new.</item>
/// </list>
/// </summary>
public sealed partial class ChangeObservationService(
    GitHubApiClient api,
    PullRequestFactsLoader loader,
    IEvidenceStore evidence,
    ExceptionSurfacing surfacing,
    TimeProvider time,
    FinGuard.Evidence.EvidenceModeState mode,
    ILogger<ChangeObservationService> logger)
{
    public const string MergeAction = "change.merge";
    public const string PushAction = "change.push";
    public const string ExceptionAction = "exception.recorded";
    public const string ChangeSubject = "change";
    public const string DeploymentStatusSubject = "deployment_status";

    private const string ZeroSha = "0000000000000000000000000000000000000000";

    /// <summary>Records a merged pull request into a covered branch; null when the branch is not covered or nothing merged.</summary>
    public async Task<EvidenceReceipt?> ObserveMergeAsync(PullRequestPayload payload, InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(delivery);
        var pull = payload.PullRequest;
        if (pull.Merged != true || pull.MergeCommitSha is not { } after || !IsSha(after))
        {
            return null;
        }

        var (installationId, repository, chain) = Where(payload);
        var facts = new List<GitHubFact> { new("pull", $"webhook pull_request.closed delivery {delivery.DeliveryId}: pull_request", Member(delivery, "pull_request")) };
        var (policy, covered) = await CoverageAsync(installationId, repository, pull.Base.Ref, IsSha(pull.Base.Sha) ? pull.Base.Sha : null, DefaultBranch(payload), facts, cancellationToken);
        if (!covered)
        {
            LogNotCovered(repository, pull.Base.Ref);
            return null;
        }

        if (await AlreadyRecordedAsync(chain, after, delivery.DeliveryId, cancellationToken) is { } existing)
        {
            return existing;
        }

        var mergedBy = pull.MergedBy is { } by ? Actor(by) : null;
        var decision = await PullRequestDecisionAsync(chain, pull.Number, pull.Head.Sha, cancellationToken);
        var group = decision.Passing is null ? await MergeGroupDecisionAsync(chain, after, cancellationToken) : null;
        var change = new EvidenceChange
        {
            Kind = "merge",
            Branch = pull.Base.Ref,
            Before = null,
            After = after,
            Forced = false,
            PullRequest = pull.Number,
            MergedHeadSha = pull.Head.Sha,
            MergedBy = mergedBy,
            Justification = decision.Passing is not null ? EvidenceLink.PullRequestDecision : group is not null ? EvidenceLink.MergeGroupDecision : "none",
            Approvers = decision.Passing is { } passing ? Approvers(passing.Record) : [],
        };

        EvidenceExceptionRecord? exception = null;
        var links = new List<EvidenceLink>();
        if (decision.Passing is { } used)
        {
            links.Add(used.Link(EvidenceLink.PullRequestDecision));
            if (used.Record.Result.Controls.FirstOrDefault(c => c.Exception is not null)?.Exception is { } breakGlass)
            {
                exception = new EvidenceExceptionRecord
                {
                    Type = EvidenceExceptionRecord.BreakGlass,
                    Reason = $"Pull request #{pull.Number} merged into {pull.Base.Ref} on a decision that passed by {breakGlass.Type} (label '{breakGlass.Label}', approved by {breakGlass.ApprovedBy.Login} via {breakGlass.ApprovedVia}, bypassing {string.Join(", ", breakGlass.Bypassed)}). Review the change after the freeze.",
                };
            }
        }
        else if (group is not null)
        {
            links.Add(group.Link(EvidenceLink.MergeGroupDecision));
        }
        else
        {
            if (decision.Latest is { } latest)
            {
                links.Add(latest.Link(EvidenceLink.PullRequestDecision));
            }

            exception = new EvidenceExceptionRecord
            {
                Type = EvidenceExceptionRecord.MergeWithoutDecision,
                Reason = (decision.Problem is { } problem
                    ? $"FinGuard's evidence about head {Short(pull.Head.Sha)} does not verify ({problem}), so no decision can justify the merge. "
                    : decision.Latest is { } failed
                        ? $"FinGuard's latest decision about the merged head {Short(pull.Head.Sha)} did not pass ({failed.Record.Result.ReasonCode}). "
                        : $"FinGuard has no decision about the merged head {Short(pull.Head.Sha)}. ")
                    + $"Pull request #{pull.Number} was merged into {pull.Base.Ref} by {mergedBy?.Login ?? "an unknown account"} anyway: the FinGuard check is not required by branch protection, or an administrator bypassed it. Require the FinGuard check (with 'Do not allow bypassing') and review this change.",
            };
        }

        var record = Record(payload, delivery, ChangeSubject, $"{repository}@{pull.Base.Ref}", after, pull.Base.Ref, pull.Number, exception is null ? MergeAction : ExceptionAction, facts, policy, change, exception, links);
        return await WriteAsync(record, payload, installationId, repository, cancellationToken);
    }

    /// <summary>Records a push to a covered branch; null for a tag, a deletion, or a branch the policy does not cover.</summary>
    public async Task<EvidenceReceipt?> ObservePushAsync(PushPayload payload, InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(delivery);
        if (!payload.Ref.StartsWith("refs/heads/", StringComparison.Ordinal) || payload.Deleted == true || !IsSha(payload.After) || payload.After == ZeroSha)
        {
            return null;
        }

        var branch = payload.Ref["refs/heads/".Length..];
        var (installationId, repository, chain) = Where(payload);
        var facts = new List<GitHubFact> { new("push", $"webhook push delivery {delivery.DeliveryId}", PushFact(delivery)) };
        var before = IsSha(payload.Before) && payload.Before != ZeroSha ? payload.Before : null;
        var (policy, covered) = await CoverageAsync(installationId, repository, branch, before, DefaultBranch(payload), facts, cancellationToken);
        if (!covered)
        {
            LogNotCovered(repository, branch);
            return null;
        }

        if (await AlreadyRecordedAsync(chain, payload.After, delivery.DeliveryId, cancellationToken) is { } existing)
        {
            return existing;
        }

        var pusher = payload.Sender is { } sender ? Actor(sender) : null;
        var links = new List<EvidenceLink>();
        int? pullRequest = null;
        string justification = "none";
        EvidenceExceptionRecord? exception = null;
        if (payload.Forced == true)
        {
            exception = new EvidenceExceptionRecord
            {
                Type = EvidenceExceptionRecord.ForcePush,
                Reason = $"{pusher?.Login ?? "An unknown account"} force-pushed {branch} from {Short(before)} to {Short(payload.After)}, rewriting its history: commits that were on the branch may no longer be, and the new ones came through no FinGuard decision. Forbid force pushes on {branch} (branch protection or a ruleset) and review the rewrite.",
            };
        }
        else if (await MergeGroupDecisionAsync(chain, payload.After, cancellationToken) is { } group)
        {
            links.Add(group.Link(EvidenceLink.MergeGroupDecision));
            justification = EvidenceLink.MergeGroupDecision;
        }
        else
        {
            var path = $"repos/{repository}/commits/{payload.After}/pulls";
            var pulls = (await api.GetAsync(installationId, path, cancellationToken)).Json();
            facts.Add(new GitHubFact("commit-pulls", $"GET {path}", pulls));
            pullRequest = MergedPullOf(pulls, branch, payload.After);
            if (pullRequest is not null)
            {
                justification = "pull_request_merge";
            }
            else
            {
                exception = new EvidenceExceptionRecord
                {
                    Type = EvidenceExceptionRecord.DirectPush,
                    Reason = $"{pusher?.Login ?? "An unknown account"} pushed {payload.Commits?.Count ?? 0} commit(s) to {branch} (head {Short(payload.After)}) that came through no pull request GitHub knows of and no merge-queue decision, so FinGuard decided nothing about them. Require pull requests on {branch} (branch protection or a ruleset, without bypass) and review these commits.",
                };
            }
        }

        var change = new EvidenceChange
        {
            Kind = "push",
            Branch = branch,
            Before = before,
            After = payload.After,
            Forced = payload.Forced == true,
            PullRequest = pullRequest,
            MergedHeadSha = null,
            MergedBy = pusher,
            Justification = justification,
            Approvers = [],
        };
        var record = Record(payload, delivery, ChangeSubject, $"{repository}@{branch}", payload.After, branch, null, exception is null ? PushAction : ExceptionAction, facts, policy, change, exception, links);
        return await WriteAsync(record, payload, installationId, repository, cancellationToken);
    }

    /// <summary>
    /// Records a successful deployment to a covered environment that FinGuard did not approve (no verified approved
    /// decision about that deployment id); null when FinGuard approved it or the environment is not covered.
    /// </summary>
    public async Task<EvidenceReceipt?> ObserveDeploymentAsync(DeploymentStatusPayload payload, InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(delivery);
        var deployment = payload.Deployment;
        var environment = deployment.Environment ?? payload.DeploymentStatus.Environment;
        if (payload.DeploymentStatus.State != "success" || environment is null || !IsSha(deployment.Sha))
        {
            return null;
        }

        var (installationId, repository, chain) = Where(payload);
        var facts = new List<GitHubFact>
        {
            new("deployment", $"webhook deployment_status.{payload.Action} delivery {delivery.DeliveryId}: deployment", Member(delivery, "deployment")),
            new("deployment-status", $"webhook deployment_status.{payload.Action} delivery {delivery.DeliveryId}: deployment_status", Member(delivery, "deployment_status")),
        };
        var (organization, repositoryPolicy) = await loader.LoadPolicyFilesAsync(installationId, repository, null, cancellationToken);
        var policy = PolicyFacts(organization, repositoryPolicy, facts);
        var environments = policy.Policy.Deployments.Environments.IsDefault ? [] : policy.Policy.Deployments.Environments;
        if (!environments.Any(e => string.Equals(e.Name, environment, StringComparison.OrdinalIgnoreCase)))
        {
            LogNotCovered(repository, environment);
            return null;
        }

        await evidence.RecoverAsync(chain, cancellationToken);
        string? problem = null;
        foreach (var row in (await evidence.FindByShaAsync(chain, deployment.Sha, cancellationToken)).Where(r => r.SubjectType is DeploymentRecordFactory.SubjectType or DeploymentStatusSubject))
        {
            var read = await evidence.ReadVerifiedAsync(row, cancellationToken);
            if (read.Record is not { } record)
            {
                LogEvidenceCorrupt(read.Problem!);
                problem = read.Problem;
                continue;
            }

            if (record.Deployment is { State: "approved" } approved && approved.DeploymentId == deployment.Id)
            {
                LogDeploymentApproved(repository, environment, deployment.Id);
                return null;
            }

            if (record.Subject.Type == DeploymentStatusSubject && record.DeliveryId == delivery.DeliveryId)
            {
                return new EvidenceReceipt(chain, record.Sequence, row.BlobName, read.Sha256!, record.PreviousSha256);
            }
        }

        var creator = deployment.Creator is { } c ? Actor(c) : null;
        var exception = new EvidenceExceptionRecord
        {
            Type = EvidenceExceptionRecord.DeploymentOutsideFinGuard,
            Reason = (problem is null ? "" : $"FinGuard's evidence about {Short(deployment.Sha)} does not verify ({problem}). ")
                + $"Deployment {deployment.Id.ToString(CultureInfo.InvariantCulture)} of {Short(deployment.Sha)} (created by {creator?.Login ?? "an unknown account"}) reached {environment}, which the policy covers, with no approval from FinGuard: the environment does not have FinGuard's deployment protection rule, or the deployment did not go through it. Enable FinGuard's protection rule on {environment} (docs/deployments.md) and review this deployment.",
        };
        var record2 = Record(payload, delivery, DeploymentStatusSubject, string.Create(CultureInfo.InvariantCulture, $"{repository}@{environment}#{deployment.Id}"), deployment.Sha, null, null, ExceptionAction, facts, policy, null, exception, []);
        return await WriteAsync(record2, payload, installationId, repository, cancellationToken);
    }

    private async Task<EvidenceReceipt> WriteAsync(EvidenceRecord record, WebhookPayload payload, long installationId, string repository, CancellationToken cancellationToken)
    {
        var receipt = await evidence.AppendAsync(record, cancellationToken);
        if (record.Exception is { } exception)
        {
            LogException(exception.Type, repository, record.Subject.HeadSha, receipt.BlobName);
            await surfacing.SurfaceAsync(installationId, repository, record, receipt, cancellationToken);
        }
        else
        {
            LogRecorded(record.Action, repository, record.Subject.HeadSha, receipt.BlobName);
        }

        return receipt;
    }

    /// <summary>This delivery's record about <paramref name="sha"/>, when an earlier attempt wrote it (read verified).</summary>
    private async Task<EvidenceReceipt?> AlreadyRecordedAsync(string chain, string sha, string deliveryId, CancellationToken cancellationToken)
    {
        await evidence.RecoverAsync(chain, cancellationToken);
        foreach (var row in (await evidence.FindByShaAsync(chain, sha, cancellationToken)).Where(r => r.DeliveryId == deliveryId && r.SubjectType == ChangeSubject))
        {
            var read = await evidence.ReadVerifiedAsync(row, cancellationToken);
            if (read.Record is { } record && record.DeliveryId == deliveryId && record.Change is not null)
            {
                return new EvidenceReceipt(chain, record.Sequence, row.BlobName, read.Sha256!, record.PreviousSha256);
            }
        }

        return null;
    }

    private sealed record VerifiedRecord(EvidenceRecord Record, string Sha256)
    {
        public EvidenceLink Link(string type) => new(type, Record.Chain, Record.Sequence, Sha256);
    }

    private sealed record PullDecision(VerifiedRecord? Passing, VerifiedRecord? Latest, string? Problem);

    /// <summary>
    /// FinGuard's decisions about <paramref name="headSha"/> of pull request <paramref name="number"/>: the newest passing
    /// one and the newest of all. Every row the index returns is verified; a damaged one fails closed (no justification).
    /// </summary>
    private async Task<PullDecision> PullRequestDecisionAsync(string chain, int number, string headSha, CancellationToken cancellationToken)
    {
        if (!IsSha(headSha))
        {
            return new PullDecision(null, null, null);
        }

        VerifiedRecord? passing = null, latest = null;
        foreach (var row in await evidence.FindByShaAsync(chain, headSha, cancellationToken))
        {
            var read = await evidence.ReadVerifiedAsync(row, cancellationToken);
            if (read.Record is not { } record)
            {
                LogEvidenceCorrupt(read.Problem!);
                return new PullDecision(null, null, read.Problem);
            }

            if (record.Subject.Type != "pull_request" || record.Subject.PullRequest != number
                || !string.Equals(record.Subject.HeadSha, headSha, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var verified = new VerifiedRecord(record, read.Sha256!);
            if (latest is null || record.Sequence > latest.Record.Sequence)
            {
                latest = verified;
            }

            if (record.Result.Verdict == "pass" && (passing is null || record.Sequence > passing.Record.Sequence))
            {
                passing = verified;
            }
        }

        // Only the newest decision counts: a head that passed and later failed (a review dismissed) merged on a failure.
        return new PullDecision(passing is not null && passing == latest ? passing : null, latest, null);
    }

    /// <summary>A verified passing merge-queue decision about <paramref name="sha"/>, or null.</summary>
    private async Task<VerifiedRecord?> MergeGroupDecisionAsync(string chain, string sha, CancellationToken cancellationToken)
    {
        foreach (var row in (await evidence.FindByShaAsync(chain, sha, cancellationToken)).Where(r => r.SubjectType == MergeGroupService.SubjectType))
        {
            var read = await evidence.ReadVerifiedAsync(row, cancellationToken);
            if (read.Record is not { } record)
            {
                LogEvidenceCorrupt(read.Problem!);
                return null;
            }

            if (record.Subject.Type == MergeGroupService.SubjectType && record.Result.Verdict == "pass"
                && string.Equals(record.Subject.HeadSha, sha, StringComparison.OrdinalIgnoreCase))
            {
                return new VerifiedRecord(record, read.Sha256!);
            }
        }

        return null;
    }

    /// <summary>The policy as it was before the change, and whether it covers <paramref name="branch"/>.</summary>
    private async Task<(ResolvedPolicy Policy, bool Covered)> CoverageAsync(
        long installationId, string repository, string branch, string? before, string? defaultBranch, List<GitHubFact> facts, CancellationToken cancellationToken)
    {
        var (organization, repositoryPolicy) = await loader.LoadPolicyFilesAsync(installationId, repository, before, cancellationToken);
        var policy = PolicyFacts(organization, repositoryPolicy, facts);
        // Without the default branch's name, "$default" cannot be ruled out: treat the branch as covered (fail closed).
        var covered = defaultBranch is null || BranchPattern.MatchesAny(policy.Policy.Branches, branch, defaultBranch);
        return (policy, covered);
    }

    private static ResolvedPolicy PolicyFacts(PolicyFile? organization, PolicyFile? repositoryPolicy, List<GitHubFact> facts)
    {
        foreach (var file in new[] { organization, repositoryPolicy })
        {
            if (file is not null)
            {
                facts.Add(new GitHubFact(file == organization ? PullRequestFactSet.OrganizationPolicyFact : PullRequestFactSet.RepositoryPolicyFact, $"GET {file.DisplayName}", file.ToJson()));
            }
        }

        return PullRequestEvaluator.ResolvePolicy(organization, repositoryPolicy);
    }

    /// <summary>The pull request GitHub associates with <paramref name="sha"/> that merged into <paramref name="branch"/> as that commit.</summary>
    private static int? MergedPullOf(JsonElement pulls, string branch, string sha)
    {
        if (pulls.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (var pull in pulls.EnumerateArray())
        {
            if (pull.ValueKind == JsonValueKind.Object
                && pull.TryGetProperty("merged_at", out var mergedAt) && mergedAt.ValueKind == JsonValueKind.String
                && pull.TryGetProperty("base", out var @base) && @base.TryGetProperty("ref", out var baseRef) && baseRef.GetString() == branch
                && pull.TryGetProperty("merge_commit_sha", out var merge) && string.Equals(merge.GetString(), sha, StringComparison.OrdinalIgnoreCase)
                && pull.TryGetProperty("number", out var number) && number.TryGetInt32(out var n))
            {
                return n;
            }
        }

        return null;
    }

    /// <summary>Logins whose latest review in the decision's <c>reviews</c> facts approved.</summary>
    private static IReadOnlyList<string> Approvers(EvidenceRecord record)
    {
        var latest = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var fact in record.Facts.Where(f => f.Name == "reviews" || f.Name.StartsWith("reviews.", StringComparison.Ordinal)))
        {
            if (fact.Body.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (var review in fact.Body.EnumerateArray())
            {
                if (review.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.Object && user.TryGetProperty("login", out var login)
                    && login.GetString() is { } name && review.TryGetProperty("state", out var state) && state.GetString() is { } s && s != "COMMENTED")
                {
                    latest[name] = s;
                }
            }
        }

        return [.. latest.Where(p => p.Value == "APPROVED").Select(p => p.Key).Order(StringComparer.OrdinalIgnoreCase)];
    }

    private EvidenceRecord Record(
        WebhookPayload payload, InboundDelivery delivery, string subjectType, string subjectId, string headSha, string? baseRef, int? pullRequest, string action,
        List<GitHubFact> facts, ResolvedPolicy policy, EvidenceChange? change, EvidenceExceptionRecord? exception, List<EvidenceLink> links)
    {
        var now = time.GetUtcNow();
        var ok = exception is null;
        return new EvidenceRecord
        {
            EventId = Guid.CreateVersion7(now).ToString(),
            Chain = payload.Repository!.FullName.ToLowerInvariant(),
            Timestamp = now,
            FinGuardVersion = Hosting.FinGuardApp.Version,
            Mode = mode.Current,
            Action = action,
            Source = $"github-webhook:{delivery.Event}{(payload.Action is null ? "" : "." + payload.Action)}",
            DeliveryId = delivery.DeliveryId,
            Actor = payload.Sender is { } sender ? Actor(sender) : new EvidenceActor("unknown", null, null),
            Subject = new EvidenceSubject
            {
                Type = subjectType,
                Id = subjectId,
                Repository = payload.Repository.FullName,
                RepositoryId = payload.Repository.Id,
                InstallationId = payload.Installation?.Id,
                PullRequest = pullRequest,
                HeadSha = headSha.ToLowerInvariant(),
                BaseRef = baseRef,
            },
            Facts = [.. facts.Select(f => EvidenceFact.Canonical(f.Name, f.Request, f.Body))],
            Policy = new EvidencePolicy(policy.Source, policy.BlobShas, PolicyJsonContext.ToElement(policy.Policy)),
            Result = new EvidenceResult(
                "recorded",
                ok ? "success" : "neutral",
                ok ? $"change:{change!.Justification.Replace('_', '-')}" : $"exception:{exception!.Type}",
                ok ? $"Change to {change!.Branch} justified by {change.Justification.Replace('_', ' ')}" : $"Exception: {exception!.Type}",
                []),
            Links = links.Count == 0 ? null : links,
            Change = change,
            Exception = exception,
        };
    }

    internal static EvidenceActor Actor(WebhookUser user) => new(user.Type == "Bot" ? "bot" : "user", user.Id, user.Login);

    private static (long InstallationId, string Repository, string Chain) Where(WebhookPayload payload)
    {
        if (payload.Installation is null || payload.Repository is null)
        {
            throw new JsonException("The payload has no installation or repository; FinGuard only records deliveries sent to an App installation.");
        }

        return (payload.Installation.Id, payload.Repository.FullName, payload.Repository.FullName.ToLowerInvariant());
    }

    private static string? DefaultBranch(WebhookPayload payload) => payload.Repository?.DefaultBranch;

    private static JsonElement Member(InboundDelivery delivery, string name)
    {
        using var document = JsonDocument.Parse(delivery.Body);
        return document.RootElement.TryGetProperty(name, out var member) ? member.Clone() : JsonSerializer.SerializeToElement(new JsonObject());
    }

    /// <summary>The push as delivered, without the repository, organisation and installation objects (which name no change).</summary>
    private static JsonElement PushFact(InboundDelivery delivery)
    {
        var node = JsonNode.Parse(delivery.Body.Span)!.AsObject();
        node.Remove("repository");
        node.Remove("organization");
        node.Remove("installation");
        node.Remove("enterprise");
        return JsonSerializer.SerializeToElement(node);
    }

    private static bool IsSha(string? sha) => sha is { Length: 40 or 64 } && sha.All(char.IsAsciiHexDigit);

    private static string Short(string? sha) => sha is { Length: >= 7 } ? sha[..7] : "(none)";

    [LoggerMessage(EventId = 3501, Level = LogLevel.Debug, Message = "{Repository}: {Target} is not covered by the policy; no change record")]
    private partial void LogNotCovered(string repository, string target);

    [LoggerMessage(EventId = 3502, Level = LogLevel.Information, Message = "{Action} of {Repository} at {Sha}; evidence {BlobName}")]
    private partial void LogRecorded(string action, string repository, string sha, string blobName);

    [LoggerMessage(EventId = 3503, Level = LogLevel.Warning, Message = "Exception {Type} in {Repository} at {Sha}: recorded as evidence {BlobName}")]
    private partial void LogException(string type, string repository, string sha, string blobName);

    [LoggerMessage(EventId = 3504, Level = LogLevel.Debug, Message = "{Repository}: deployment {DeploymentId} to {Environment} was approved by FinGuard")]
    private partial void LogDeploymentApproved(string repository, string environment, long deploymentId);

    [LoggerMessage(EventId = 3505, Level = LogLevel.Critical, Message = "ALERT evidence corruption: {Problem}. The change is recorded as unjustified; run 'finguard evidence verify --live' and investigate who changed the evidence store")]
    private partial void LogEvidenceCorrupt(string problem);
}
