using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Deployments;
using FinGuard.Core.Evidence;
using FinGuard.Core.Freeze;
using FinGuard.Core.MergeQueue;
using FinGuard.Core.Policy;
using FinGuard.Core.Results;
using FinGuard.GitHub.Api;
using FinGuard.GitHub.Checks;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;
using FinGuard.GitHub.Webhooks;

namespace FinGuard.Processing;

/// <summary>
/// <c>merge_group</c> deliveries: <c>checks_requested</c> is decided (<see cref="MergeGroupService"/>); <c>destroyed</c>
/// and any other action need nothing (the group is merged, invalidated or dequeued) and complete without work.
/// </summary>
public sealed partial class MergeGroupDeliveryHandler(MergeGroupService service, ILogger<MergeGroupDeliveryHandler> logger) : IDeliveryHandler
{
    public IReadOnlyCollection<string> Events { get; } = [WebhookEvents.MergeGroup];

    public async Task HandleAsync(InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var parsed = WebhookPayloadParser.ParseForHandling(delivery.Event, delivery.Body.Span);
        if (!parsed.IsParsed || parsed.Payload is not MergeGroupPayload payload)
        {
            throw new JsonException($"The {delivery.Event} payload cannot be read: {parsed.Error}");
        }

        if (payload.Action != "checks_requested")
        {
            LogNothingToDo(payload.Action, payload.Reason);
            return;
        }

        if (payload.Installation is null || payload.Repository is null)
        {
            throw new JsonException("The merge_group payload has no installation or repository; FinGuard only decides deliveries sent to an App installation.");
        }

        await service.DecideAsync(payload, delivery, cancellationToken);
    }

    [LoggerMessage(EventId = 3301, Level = LogLevel.Debug, Message = "merge_group.{Action} ({Reason}) needs no check; nothing to do")]
    private partial void LogNothingToDo(string? action, string? reason);
}

/// <summary>
/// The FinGuard check of a merge group, so that a repository whose branch protection requires FinGuard can use GitHub's
/// merge queue.
/// <list type="number">
/// <item><b>Which pull requests the group adds</b>: the group's branch names the queue entry it was built for
/// (<c>gh-readonly-queue/{base}/pr-{number}-{sha}</c>), and the group also holds every entry ahead of it. So FinGuard
/// lists the commits between <c>base_sha</c> and <c>head_sha</c> (<c>GET …/compare/{base}...{head}</c>) and asks GitHub
/// which pull requests each belongs to (<c>GET …/commits/{sha}/pulls</c>); a commit the queue itself made (a merge or
/// squash commit, which no pull request contains) is attributed by its message (<c>Merge pull request #N</c>, or a
/// title ending <c>(#N)</c>). Any commit left unattributed fails the group closed.</item>
/// <item><b>Their decisions</b>: each pull request's current head (<c>GET …/pulls/{number}</c>) must have a passing
/// FinGuard decision, read from its verified evidence record (<see cref="IEvidenceStore.ReadVerifiedAsync"/>).</item>
/// <item><b>The freeze</b>, evaluated now (the merge) from the base branch's policy.</item>
/// <item><b>Evidence first</b>: the decision is recorded (subject <c>merge_group</c>, linked to each pull request's
/// decision record) before the check run is published on <c>head_sha</c>.</item>
/// </list>
/// </summary>
public sealed partial class MergeGroupService(
    GitHubApiClient api,
    PullRequestFactsLoader loader,
    IEvidenceStore evidence,
    CheckRunPublisher publisher,
    TimeProvider time,
    FinGuard.Evidence.EvidenceModeState mode,
    ILogger<MergeGroupService> logger)
{
    public const string SubjectType = "merge_group";
    public const string Action = "merge_group.evaluate";

    /// <summary>More commits than this in one group are not attributed one by one (fail closed).</summary>
    public const int MaxCommits = 100;

    [GeneratedRegex(@"^(?:refs/heads/)?gh-readonly-queue/.+/pr-(?<number>[0-9]+)-[0-9a-f]{40}$")]
    private static partial Regex QueueBranch();

    [GeneratedRegex(@"^Merge pull request #(?<number>[0-9]+) ")]
    private static partial Regex MergeMessage();

    [GeneratedRegex(@"\(#(?<number>[0-9]+)\)\s*$")]
    private static partial Regex SquashMessage();

    public async Task<EvidenceReceipt> DecideAsync(MergeGroupPayload payload, InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(delivery);
        var installationId = payload.Installation!.Id;
        var repository = payload.Repository!.FullName;
        var chain = repository.ToLowerInvariant();
        var group = payload.MergeGroup;
        var baseBranch = group.BaseRef.StartsWith("refs/heads/", StringComparison.Ordinal) ? group.BaseRef["refs/heads/".Length..] : group.BaseRef;
        var facts = new List<GitHubFact> { new("merge_group", $"webhook merge_group.checks_requested delivery {delivery.DeliveryId}: merge_group", MergeGroupJson(delivery)) };

        await evidence.RecoverAsync(chain, cancellationToken);
        IReadOnlyList<int> numbers;
        string? problem;
        try
        {
            (numbers, problem) = await IdentifyAsync(installationId, repository, group, baseBranch, facts, cancellationToken);
        }
        catch (GitHubApiException ex) when ((int)ex.Status is >= 400 and < 500 && ex.RateLimitedUntil is null && ex.Status != System.Net.HttpStatusCode.TooManyRequests)
        {
            // A refusal retrying cannot change (a commit GitHub no longer has, a permission FinGuard lacks): answer
            // the queue with a failing check now rather than leave it waiting for its own timeout.
            (numbers, problem) = ([], $"GitHub refused a request FinGuard needs to tell its pull requests apart ({ex.Message})");
        }

        var entries = ImmutableArray.CreateBuilder<MergeGroupEntry>();
        foreach (var number in numbers)
        {
            entries.Add(await EntryAsync(installationId, repository, chain, number, baseBranch, facts, cancellationToken));
        }

        var (organization, repositoryPolicy) = await loader.LoadPolicyFilesAsync(installationId, repository, baseBranch, cancellationToken);
        var resolved = PullRequestEvaluator.ResolvePolicy(organization, repositoryPolicy);
        foreach (var file in new[] { organization, repositoryPolicy })
        {
            if (file is not null)
            {
                facts.Add(new GitHubFact(file == organization ? PullRequestFactSet.OrganizationPolicyFact : PullRequestFactSet.RepositoryPolicyFact, $"GET {file.DisplayName}", file.ToJson()));
            }
        }

        var snapshot = new MergeGroupSnapshot
        {
            Repository = repository,
            HeadSha = group.HeadSha,
            BaseRef = baseBranch,
            DefaultBranch = payload.Repository.DefaultBranch,
            PullRequests = entries.ToImmutable(),
            IdentificationProblem = problem,
        };
        var now = time.GetUtcNow();
        var result = MergeGroupEvaluator.Evaluate(snapshot, resolved.Policy, resolved.Broken, now);
        var record = Record(payload, delivery, snapshot, facts, resolved, result, now);
        var receipt = await evidence.AppendAsync(record, cancellationToken);
        var listed = string.Join(", ", numbers.Select(n => $"#{n}"));
        LogDecided(group.HeadSha, result.Conclusion, listed, receipt.BlobName);
        await publisher.PublishAsync(installationId, repository, group.HeadSha, result, receipt.BlobName, cancellationToken);
        return receipt;
    }

    /// <summary>The pull requests the group adds, or why they cannot all be told.</summary>
    private async Task<(IReadOnlyList<int> Numbers, string? Problem)> IdentifyAsync(
        long installationId, string repository, WebhookMergeGroup group, string baseBranch, List<GitHubFact> facts, CancellationToken cancellationToken)
    {
        var numbers = new SortedSet<int>();
        if (QueueBranch().Match(group.HeadRef) is not { Success: true } queued)
        {
            return ([], $"its branch `{group.HeadRef}` is not a merge queue branch (gh-readonly-queue/{{base}}/pr-{{number}}-{{sha}})");
        }

        numbers.Add(int.Parse(queued.Groups["number"].Value, CultureInfo.InvariantCulture));
        var comparePath = $"repos/{repository}/compare/{group.BaseSha}...{group.HeadSha}?per_page={MaxCommits}";
        var compare = await api.GetAsync(installationId, comparePath, cancellationToken);
        var compareJson = compare.Json();
        facts.Add(new GitHubFact("compare", $"GET {comparePath}", compareJson));
        var commits = compareJson.TryGetProperty("commits", out var list) && list.ValueKind == JsonValueKind.Array ? list.EnumerateArray().ToList() : [];
        var total = compareJson.TryGetProperty("total_commits", out var count) && count.TryGetInt32(out var n) ? n : commits.Count;
        if (total > MaxCommits || total > commits.Count)
        {
            return ([.. numbers], string.Create(CultureInfo.InvariantCulture, $"it holds {total} commits, more than the {MaxCommits} FinGuard attributes one by one"));
        }

        foreach (var commit in commits)
        {
            var sha = commit.GetProperty("sha").GetString()!;
            var pullsPath = $"repos/{repository}/commits/{sha}/pulls";
            var pulls = (await api.GetAsync(installationId, pullsPath, cancellationToken)).Json();
            facts.Add(new GitHubFact($"commit-pulls.{sha[..Math.Min(12, sha.Length)]}", $"GET {pullsPath}", pulls));
            var owners = pulls.ValueKind == JsonValueKind.Array
                ? pulls.EnumerateArray().Where(p => p.TryGetProperty("base", out var b) && b.TryGetProperty("ref", out var r) && r.GetString() == baseBranch)
                    .Select(p => p.GetProperty("number").GetInt32()).ToList()
                : [];
            if (owners.Count == 0)
            {
                var message = commit.TryGetProperty("commit", out var c) && c.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
                var firstLine = message.Split('\n')[0].TrimEnd();
                var match = MergeMessage().Match(firstLine) is { Success: true } merge ? merge : SquashMessage().Match(firstLine);
                if (!match.Success)
                {
                    return ([.. numbers], $"commit {sha[..Math.Min(7, sha.Length)]} belongs to no pull request into `{baseBranch}` GitHub knows, and its message names none");
                }

                owners.Add(int.Parse(match.Groups["number"].Value, CultureInfo.InvariantCulture));
            }

            numbers.UnionWith(owners);
        }

        return ([.. numbers], null);
    }

    /// <summary>Pull request <paramref name="number"/>'s current head and FinGuard's verified decision about it.</summary>
    private async Task<MergeGroupEntry> EntryAsync(
        long installationId, string repository, string chain, int number, string baseBranch, List<GitHubFact> facts, CancellationToken cancellationToken)
    {
        var pullPath = $"repos/{repository}/pulls/{number}";
        var pull = (await api.GetAsync(installationId, pullPath, cancellationToken)).Json();
        facts.Add(new GitHubFact(string.Create(CultureInfo.InvariantCulture, $"pull.{number}"), $"GET {pullPath}", pull));
        var headSha = pull.GetProperty("head").GetProperty("sha").GetString()!;
        var pullBase = pull.GetProperty("base").GetProperty("ref").GetString();
        if (!string.Equals(pullBase, baseBranch, StringComparison.Ordinal))
        {
            return new MergeGroupEntry { Number = number, HeadSha = headSha, Problem = $"head {headSha[..7]}: it targets `{pullBase}`, not `{baseBranch}`" };
        }

        var rows = (await evidence.FindByShaAsync(chain, headSha, cancellationToken)).Where(r => r.PullRequest == number || r.SubjectType == "pull_request").ToList();
        EvidenceRecord? latest = null;
        string? latestSha = null;
        foreach (var row in rows)
        {
            var read = await evidence.ReadVerifiedAsync(row, cancellationToken);
            if (read.Record is not { } record)
            {
                LogEvidenceCorrupt(read.Problem!);
                return new MergeGroupEntry { Number = number, HeadSha = headSha, Problem = $"head {headSha[..7]}: FinGuard's evidence does not verify: {read.Problem}" };
            }

            if (record.Subject.Type == "pull_request" && record.Subject.PullRequest == number && (latest is null || record.Sequence > latest.Sequence))
            {
                (latest, latestSha) = (record, read.Sha256);
            }
        }

        if (latest is null)
        {
            return new MergeGroupEntry { Number = number, HeadSha = headSha };
        }

        return new MergeGroupEntry
        {
            Number = number,
            HeadSha = headSha,
            Verdict = latest.Result.Verdict,
            ReasonCode = latest.Result.ReasonCode,
            Evidence = new EvidencePointer(latest.Chain, latest.Sequence, latestSha!, latest.Timestamp),
            BreakGlassUntil = latest.Result.Controls.FirstOrDefault(c => c.Id == FreezeWindowControl.ControlId)?.Exception?.ExpiresAt,
        };
    }

    private static JsonElement MergeGroupJson(InboundDelivery delivery)
    {
        using var document = JsonDocument.Parse(delivery.Body);
        return document.RootElement.GetProperty("merge_group").Clone();
    }

    private static EvidenceRecord Record(
        MergeGroupPayload payload, InboundDelivery delivery, MergeGroupSnapshot snapshot, List<GitHubFact> facts, ResolvedPolicy policy, EvaluationResult result, DateTimeOffset now, string currentMode)
    {
        var sender = payload.Sender;
        var links = snapshot.PullRequests.Where(e => e.Evidence is not null)
            .Select(e => new EvidenceLink(EvidenceLink.PullRequestDecision, e.Evidence!.Chain, e.Evidence.Sequence, e.Evidence.Sha256)).Distinct().ToList();
        return new EvidenceRecord
        {
            EventId = Guid.CreateVersion7(now).ToString(),
            Chain = snapshot.Repository.ToLowerInvariant(),
            Timestamp = now,
            FinGuardVersion = Hosting.FinGuardApp.Version,
            Mode = currentMode,
            Action = Action,
            Source = $"github-webhook:{delivery.Event}.{payload.Action}",
            DeliveryId = delivery.DeliveryId,
            Actor = sender is null ? new EvidenceActor("unknown", null, null) : new EvidenceActor(sender.Type == "Bot" ? "bot" : "user", sender.Id, sender.Login),
            Subject = new EvidenceSubject
            {
                Type = SubjectType,
                Id = $"{snapshot.Repository}@{payload.MergeGroup.HeadRef}",
                Repository = snapshot.Repository,
                RepositoryId = payload.Repository!.Id,
                InstallationId = payload.Installation!.Id,
                HeadSha = snapshot.HeadSha,
                BaseRef = snapshot.BaseRef,
            },
            Facts = facts.Select(f => EvidenceFact.Canonical(f.Name, f.Request, f.Body)).ToList(),
            Policy = new EvidencePolicy(policy.Source, policy.BlobShas, PolicyJsonContext.ToElement(policy.Policy)),
            Result = new EvidenceResult(
                result.Conclusion == Conclusion.Success ? "pass" : "fail",
                CheckRunRenderer.ConclusionName(result.Conclusion),
                result.ReasonCode,
                result.Title,
                result.Controls.Select(c => new EvidenceControl(c.Id, c.Status.ToString().ToLowerInvariant(), c.Summary, c.Reasons)).ToList()),
            Links = links.Count == 0 ? null : links,
        };
    }

    private EvidenceRecord Record(MergeGroupPayload payload, InboundDelivery delivery, MergeGroupSnapshot snapshot, List<GitHubFact> facts, ResolvedPolicy policy, EvaluationResult result, DateTimeOffset now) =>
        Record(payload, delivery, snapshot, facts, policy, result, now, mode.Current);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Information, Message = "Merge group {HeadSha}: {Conclusion} (pull requests {PullRequests}); evidence {BlobName}")]
    private partial void LogDecided(string headSha, Conclusion conclusion, string pullRequests, string blobName);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Critical, Message = "ALERT evidence corruption: {Problem}. The merge group fails; run 'finguard evidence verify --live' and investigate who changed the evidence store")]
    private partial void LogEvidenceCorrupt(string problem);
}
