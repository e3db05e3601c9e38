using System.Text;
using System.Text.Json;
using FinGuard.GitHub.Webhooks;
using static FinGuard.GitHub.Tests.Webhooks.RawJson;

namespace FinGuard.GitHub.Tests.Webhooks;

/// <summary>
/// Every <c>@octokit/webhooks-examples</c> payload of every supported event parses, the modelled values equal
/// what the raw JSON says, and re-serialising loses nothing (unknown fields survive in extension data).
/// </summary>
public sealed class WebhookPayloadParserExampleTests
{
    public static TheoryData<string, int, string> Examples => WebhookExampleCorpus.SupportedEventExamples();

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_parses_with_the_values_of_the_raw_payload_and_round_trips(string eventName, int index, string action)
    {
        var text = WebhookExampleCorpus.Get(eventName, index);
        using var document = JsonDocument.Parse(text);
        var raw = document.RootElement;

        var result = WebhookPayloadParser.Parse(eventName, Encoding.UTF8.GetBytes(text));

        Assert.True(result.IsParsed, result.Error);
        Assert.Equal(WebhookParseStatus.Parsed, result.Status);
        Assert.Equal(eventName, result.EventName);
        Assert.Null(result.Error);
        var payload = result.Payload;
        Assert.Equal(action == "-" ? null : action, payload.Action);
        AssertEnvelope(raw, payload);

        switch (payload)
        {
            case PingPayload ping:
                AssertPing(raw, ping);
                break;
            case InstallationPayload installation:
                AssertInstallation(raw, installation);
                break;
            case InstallationRepositoriesPayload installationRepositories:
                AssertInstallationRepositories(raw, installationRepositories);
                break;
            case PullRequestPayload pullRequest:
                AssertPullRequestEvent(raw, pullRequest);
                break;
            case PullRequestReviewPayload review:
                AssertPullRequestReview(raw, review);
                break;
            case CheckRunPayload checkRun:
                AssertCheckRun(raw, checkRun);
                break;
            case CheckSuitePayload checkSuite:
                AssertCheckSuite(At(raw, "check_suite")!.Value, checkSuite.CheckSuite);
                break;
            case WorkflowRunPayload workflowRun:
                AssertWorkflowRun(At(raw, "workflow_run")!.Value, workflowRun.WorkflowRun);
                Assert.Equal(Int64(raw, "workflow.id"), workflowRun.Workflow?.Id);
                Assert.Equal(String(raw, "workflow.path"), workflowRun.Workflow?.Path);
                break;
            case DeploymentReviewPayload deploymentReview:
                AssertDeploymentReview(raw, deploymentReview);
                break;
            case MergeGroupPayload mergeGroup:
                Assert.Equal(String(raw, "merge_group.head_sha"), mergeGroup.MergeGroup.HeadSha);
                Assert.Equal(String(raw, "merge_group.head_ref"), mergeGroup.MergeGroup.HeadRef);
                Assert.Equal(String(raw, "merge_group.base_sha"), mergeGroup.MergeGroup.BaseSha);
                Assert.Equal(String(raw, "merge_group.base_ref"), mergeGroup.MergeGroup.BaseRef);
                Assert.Equal(String(raw, "reason"), mergeGroup.Reason);
                break;
            case PushPayload push:
                Assert.Equal(String(raw, "ref"), push.Ref);
                Assert.Equal(String(raw, "before"), push.Before);
                Assert.Equal(String(raw, "after"), push.After);
                Assert.Equal(Boolean(raw, "forced"), push.Forced);
                Assert.Equal(Boolean(raw, "deleted"), push.Deleted);
                Assert.Equal(String(raw, "pusher.name"), push.Pusher?.Name);
                Assert.Equal(At(raw, "commits")!.Value.GetArrayLength(), push.Commits!.Count);
                break;
            case DeploymentStatusPayload deploymentStatus:
                Assert.Equal(String(raw, "deployment_status.state"), deploymentStatus.DeploymentStatus.State);
                Assert.Equal(String(raw, "deployment_status.environment"), deploymentStatus.DeploymentStatus.Environment);
                Assert.Equal(Int64(raw, "deployment.id"), deploymentStatus.Deployment.Id);
                Assert.Equal(String(raw, "deployment.sha"), deploymentStatus.Deployment.Sha);
                Assert.Equal(String(raw, "deployment.environment"), deploymentStatus.Deployment.Environment);
                break;
            default:
                Assert.Fail($"'{eventName}' parsed as unexpected {payload.GetType().Name}");
                break;
        }

        var reserialised = JsonSerializer.SerializeToElement(payload, payload.GetType(), WebhookJsonContext.Default);
        AssertContainsEverything(raw, reserialised);
    }

    [Fact]
    public void Corpus_has_examples_for_every_supported_event_except_deployment_protection_rule()
    {
        // deployment_protection_rule has no example in @octokit/webhooks-examples (nor in @octokit/openapi);
        // it is covered by Payloads/deployment_protection_rule.requested.json instead.
        var missing = WebhookEvents.Supported.Except(WebhookExampleCorpus.EventsWithExamples(), StringComparer.Ordinal);

        Assert.Equal(new[] { WebhookEvents.DeploymentProtectionRule }, missing);
        Assert.True(Examples.Count >= 70, $"only {Examples.Count} examples found");
    }

    private static void AssertEnvelope(JsonElement raw, WebhookPayload payload)
    {
        Assert.Equal(String(raw, "sender.login"), payload.Sender?.Login);
        Assert.Equal(Int64(raw, "sender.id"), payload.Sender?.Id);
        Assert.Equal(String(raw, "sender.type"), payload.Sender?.Type);
        Assert.Equal(Int64(raw, "installation.id"), payload.Installation?.Id);
        Assert.Equal(Int64(raw, "repository.id"), payload.Repository?.Id);
        Assert.Equal(String(raw, "repository.name"), payload.Repository?.Name);
        Assert.Equal(String(raw, "repository.full_name"), payload.Repository?.FullName);
        Assert.Equal(String(raw, "repository.owner.login"), payload.Repository?.Owner?.Login);
        Assert.Equal(String(raw, "repository.default_branch"), payload.Repository?.DefaultBranch);
        Assert.Equal(Boolean(raw, "repository.private"), payload.Repository?.Private);
        Assert.Equal(String(raw, "organization.login"), payload.Organization?.Login);
        Assert.Equal(Int64(raw, "organization.id"), payload.Organization?.Id);

        // Unmodelled envelope fields land in extension data, at the top and inside nested models.
        if (At(raw, "repository.html_url") is { } htmlUrl)
        {
            Assert.Equal(htmlUrl.GetString(), payload.Repository!.ExtensionData!["html_url"].GetString());
        }

        if (At(raw, "sender.avatar_url") is { } avatarUrl)
        {
            Assert.Equal(avatarUrl.GetString(), payload.Sender!.ExtensionData!["avatar_url"].GetString());
        }
    }

    private static void AssertPing(JsonElement raw, PingPayload ping)
    {
        Assert.Equal(String(raw, "zen"), ping.Zen);
        Assert.Equal(Int64(raw, "hook_id"), ping.HookId);
        Assert.Equal(Int64(raw, "hook.id"), ping.Hook?.Id);
        Assert.Equal(String(raw, "hook.type"), ping.Hook?.Type);
        Assert.Equal(Int64(raw, "hook.app_id"), ping.Hook?.AppId);
        Assert.Equal(Boolean(raw, "hook.active"), ping.Hook?.Active);
        Assert.Equal(Strings(raw, "hook.events", "").ToArray(), ping.Hook?.Events?.ToArray() ?? []);
    }

    private static void AssertInstallation(JsonElement raw, InstallationPayload payload)
    {
        AssertFullInstallation(raw, payload.Installation);
        Assert.Equal(Strings(raw, "repositories", "full_name"), payload.Repositories?.Select(r => r.FullName).ToArray() ?? []);
        Assert.Equal(String(raw, "requester.login"), payload.Requester?.Login);
    }

    private static void AssertInstallationRepositories(JsonElement raw, InstallationRepositoriesPayload payload)
    {
        AssertFullInstallation(raw, payload.Installation);
        Assert.Equal(String(raw, "repository_selection"), payload.RepositorySelection);
        Assert.Equal(Strings(raw, "repositories_added", "full_name"), payload.RepositoriesAdded?.Select(r => r.FullName).ToArray() ?? []);
        Assert.Equal(Strings(raw, "repositories_removed", "full_name"), payload.RepositoriesRemoved?.Select(r => r.FullName).ToArray() ?? []);
        Assert.Equal(
            At(raw, "repositories_added")!.Value.EnumerateArray().Select(r => r.GetProperty("private").GetBoolean()),
            payload.RepositoriesAdded!.Select(r => r.Private ?? throw new InvalidOperationException("private missing")));
        Assert.Equal(String(raw, "requester.login"), payload.Requester?.Login);
    }

    private static void AssertFullInstallation(JsonElement raw, WebhookInstallation? installation)
    {
        Assert.NotNull(installation);
        Assert.Equal(Int64(raw, "installation.id"), installation.Id);
        Assert.Equal(String(raw, "installation.account.login"), installation.Account?.Login);
        Assert.Equal(Int64(raw, "installation.account.id"), installation.Account?.Id);
        Assert.Equal(Int64(raw, "installation.app_id"), installation.AppId);
        Assert.Equal(String(raw, "installation.app_slug"), installation.AppSlug);
        Assert.Equal(String(raw, "installation.target_type"), installation.TargetType);
        Assert.Equal(String(raw, "installation.repository_selection"), installation.RepositorySelection);
        Assert.Equal(Timestamp(raw, "installation.suspended_at"), installation.SuspendedAt);
    }

    private static void AssertPullRequestEvent(JsonElement raw, PullRequestPayload payload)
    {
        Assert.Equal(Int64(raw, "number"), payload.Number);
        Assert.Equal(payload.Number, payload.PullRequest.Number);
        Assert.Equal(String(raw, "before"), payload.Before);
        Assert.Equal(String(raw, "after"), payload.After);
        Assert.Equal(String(raw, "label.name"), payload.Label?.Name);
        AssertPullRequest(At(raw, "pull_request")!.Value, payload.PullRequest);

        // Full pull request objects carry these on every action.
        Assert.NotNull(payload.PullRequest.Merged);
        Assert.NotNull(payload.PullRequest.Commits);
        Assert.NotNull(payload.PullRequest.Head.Repo);
    }

    private static void AssertPullRequest(JsonElement pr, WebhookPullRequest model)
    {
        Assert.Equal(Int64(pr, "id"), model.Id);
        Assert.Equal(Int64(pr, "number"), model.Number);
        Assert.Equal(String(pr, "state"), model.State);
        Assert.Equal(Boolean(pr, "draft"), model.Draft);
        Assert.Equal(String(pr, "title"), model.Title);
        Assert.Equal(String(pr, "html_url"), model.HtmlUrl?.OriginalString);
        Assert.Equal(String(pr, "user.login"), model.User?.Login);
        Assert.Equal(String(pr, "head.sha"), model.Head.Sha);
        Assert.Equal(String(pr, "head.ref"), model.Head.Ref);
        Assert.Equal(String(pr, "head.label"), model.Head.Label);
        Assert.Equal(String(pr, "head.repo.full_name"), model.Head.Repo?.FullName);
        Assert.Equal(String(pr, "base.sha"), model.Base.Sha);
        Assert.Equal(String(pr, "base.ref"), model.Base.Ref);
        Assert.Equal(String(pr, "base.repo.full_name"), model.Base.Repo?.FullName);
        Assert.Equal(String(pr, "base.repo.default_branch"), model.Base.Repo?.DefaultBranch);
        Assert.Equal(Boolean(pr, "merged"), model.Merged);
        Assert.Equal(String(pr, "merge_commit_sha"), model.MergeCommitSha);
        Assert.Equal(Timestamp(pr, "merged_at"), model.MergedAt);
        Assert.Equal(String(pr, "merged_by.login"), model.MergedBy?.Login);
        Assert.Equal(Strings(pr, "labels", "name"), model.Labels?.Select(l => l.Name).ToArray() ?? []);
        Assert.Equal(Int64(pr, "commits"), model.Commits);
    }

    private static void AssertPullRequestReview(JsonElement raw, PullRequestReviewPayload payload)
    {
        var review = payload.Review;
        Assert.Equal(Int64(raw, "review.id"), review.Id);
        Assert.Equal(String(raw, "review.user.login"), review.User?.Login);
        Assert.Equal(String(raw, "review.state"), review.State);
        Assert.Equal(String(raw, "review.commit_id"), review.CommitId);
        Assert.Equal(Timestamp(raw, "review.submitted_at"), review.SubmittedAt);
        Assert.Equal(String(raw, "review.body"), review.Body);
        Assert.Equal(String(raw, "review.author_association"), review.AuthorAssociation);
        Assert.NotNull(review.State);
        Assert.NotNull(review.CommitId);
        AssertPullRequest(At(raw, "pull_request")!.Value, payload.PullRequest);
    }

    private static void AssertCheckRun(JsonElement raw, CheckRunPayload payload)
    {
        var run = payload.CheckRun;
        var rawRun = At(raw, "check_run")!.Value;
        Assert.Equal(Int64(rawRun, "id"), run.Id);
        Assert.Equal(String(rawRun, "name"), run.Name);
        Assert.Equal(String(rawRun, "head_sha"), run.HeadSha);
        Assert.Equal(String(rawRun, "status"), run.Status);
        Assert.Equal(String(rawRun, "conclusion"), run.Conclusion);
        Assert.Equal(String(rawRun, "external_id"), run.ExternalId);
        Assert.Equal(String(rawRun, "html_url"), run.HtmlUrl?.OriginalString);
        Assert.Equal(Int64(rawRun, "app.id"), run.App?.Id);
        Assert.Equal(String(rawRun, "app.slug"), run.App?.Slug);
        Assert.Equal(String(rawRun, "app.name"), run.App?.Name);
        AssertCheckSuite(At(rawRun, "check_suite")!.Value, run.CheckSuite!);
        AssertPullRequestRefs(rawRun, run.PullRequests);
        Assert.Equal(String(raw, "requested_action.identifier"), payload.RequestedAction?.Identifier);
        if (payload.Action == "requested_action")
        {
            Assert.NotNull(payload.RequestedAction?.Identifier);
        }
    }

    private static void AssertCheckSuite(JsonElement rawSuite, WebhookCheckSuite suite)
    {
        Assert.Equal(Int64(rawSuite, "id"), suite.Id);
        Assert.Equal(String(rawSuite, "head_sha"), suite.HeadSha);
        Assert.Equal(String(rawSuite, "head_branch"), suite.HeadBranch);
        Assert.Equal(String(rawSuite, "status"), suite.Status);
        Assert.Equal(String(rawSuite, "conclusion"), suite.Conclusion);
        Assert.Equal(String(rawSuite, "before"), suite.Before);
        Assert.Equal(String(rawSuite, "after"), suite.After);
        Assert.Equal(Int64(rawSuite, "app.id"), suite.App?.Id);
        AssertPullRequestRefs(rawSuite, suite.PullRequests);
    }

    private static void AssertWorkflowRun(JsonElement rawRun, WebhookWorkflowRun run)
    {
        Assert.Equal(Int64(rawRun, "id"), run.Id);
        Assert.Equal(String(rawRun, "name"), run.Name);
        Assert.Equal(String(rawRun, "head_sha"), run.HeadSha);
        Assert.Equal(String(rawRun, "head_branch"), run.HeadBranch);
        Assert.Equal(String(rawRun, "event"), run.Event);
        Assert.Equal(String(rawRun, "status"), run.Status);
        Assert.Equal(String(rawRun, "conclusion"), run.Conclusion);
        Assert.Equal(Int64(rawRun, "run_attempt"), run.RunAttempt);
        Assert.Equal(Int64(rawRun, "run_number"), run.RunNumber);
        Assert.Equal(Int64(rawRun, "workflow_id"), run.WorkflowId);
        Assert.Equal(String(rawRun, "path"), run.Path);
        Assert.Equal(String(rawRun, "html_url"), run.HtmlUrl?.OriginalString);
        Assert.Equal(String(rawRun, "triggering_actor.login"), run.TriggeringActor?.Login);
        Assert.Equal(String(rawRun, "actor.login"), run.Actor?.Login);
        Assert.Equal(String(rawRun, "head_repository.full_name"), run.HeadRepository?.FullName);
        AssertPullRequestRefs(rawRun, run.PullRequests);
    }

    private static void AssertPullRequestRefs(JsonElement rawParent, IReadOnlyList<WebhookPullRequestRef>? refs)
    {
        Assert.NotNull(refs);
        Assert.Equal(Count(rawParent, "pull_requests"), refs.Count);
        for (var i = 0; i < refs.Count; i++)
        {
            var rawRef = At(rawParent, $"pull_requests.{i}")!.Value;
            Assert.Equal(Int64(rawRef, "number"), refs[i].Number);
            Assert.Equal(Int64(rawRef, "id"), refs[i].Id);
            Assert.Equal(String(rawRef, "head.sha"), refs[i].Head.Sha);
            Assert.Equal(String(rawRef, "head.ref"), refs[i].Head.Ref);
            Assert.Equal(String(rawRef, "base.sha"), refs[i].Base.Sha);
            Assert.Equal(String(rawRef, "base.ref"), refs[i].Base.Ref);
            Assert.Equal(Int64(rawRef, "base.repo.id"), refs[i].Base.Repo?.Id);
            Assert.Equal(String(rawRef, "base.repo.name"), refs[i].Base.Repo?.Name);
        }
    }

    private static void AssertDeploymentReview(JsonElement raw, DeploymentReviewPayload payload)
    {
        Assert.Equal(String(raw, "environment"), payload.Environment);
        Assert.Equal(String(raw, "approver.login"), payload.Approver?.Login);
        Assert.Equal(String(raw, "requestor.login"), payload.Requestor?.Login);
        Assert.Equal(String(raw, "comment"), payload.Comment);
        Assert.Equal(Timestamp(raw, "since"), payload.Since);
        Assert.Equal(Strings(raw, "reviewers", "type"), payload.Reviewers?.Select(r => r.Type).ToArray() ?? []);
        Assert.Equal(
            At(raw, "reviewers")?.EnumerateArray().Select(r => r.GetProperty("reviewer").GetProperty("id").GetInt64()) ?? [],
            payload.Reviewers?.Select(r => r.Reviewer?.Id ?? 0) ?? []);
        Assert.Equal(Strings(raw, "reviewers", "reviewer.slug"), payload.Reviewers?.Select(r => r.Reviewer?.Slug).ToArray() ?? []);
        Assert.Equal(Strings(raw, "reviewers", "reviewer.login"), payload.Reviewers?.Select(r => r.Reviewer?.Login).ToArray() ?? []);
        Assert.Equal(Int64(raw, "workflow_job_run.id"), payload.WorkflowJobRun?.Id);
        Assert.Equal(String(raw, "workflow_job_run.environment"), payload.WorkflowJobRun?.Environment);
        Assert.Equal(String(raw, "workflow_job_run.status"), payload.WorkflowJobRun?.Status);
        Assert.Equal(Count(raw, "workflow_job_runs"), payload.WorkflowJobRuns?.Count ?? 0);
        if (At(raw, "workflow_run") is { } rawRun)
        {
            Assert.NotNull(payload.WorkflowRun);
            AssertWorkflowRun(rawRun, payload.WorkflowRun);
        }
        else
        {
            Assert.Null(payload.WorkflowRun);
        }
    }
}
