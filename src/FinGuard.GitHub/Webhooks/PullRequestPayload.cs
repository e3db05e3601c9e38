using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.GitHub.Webhooks;

/// <summary><c>pull_request</c>: a pull request was opened, synchronized, edited, labeled, closed, ….</summary>
public sealed record PullRequestPayload : WebhookPayload
{
    public required int Number { get; init; }

    public required WebhookPullRequest PullRequest { get; init; }

    /// <summary>On <c>synchronize</c>: the head SHA before the push.</summary>
    public string? Before { get; init; }

    /// <summary>On <c>synchronize</c>: the head SHA after the push.</summary>
    public string? After { get; init; }

    /// <summary>On <c>labeled</c>/<c>unlabeled</c>: the label that changed.</summary>
    public WebhookLabel? Label { get; init; }
}

/// <summary>
/// A pull request. <c>pull_request</c> and <c>deployment_protection_rule</c> carry the full object;
/// <c>pull_request_review</c> carries a shorter one without <c>merged</c> or <c>commits</c>.
/// </summary>
public sealed record WebhookPullRequest
{
    public long? Id { get; init; }

    public required int Number { get; init; }

    /// <summary><c>open</c> or <c>closed</c>.</summary>
    public string? State { get; init; }

    public bool? Draft { get; init; }

    public string? Title { get; init; }

    public Uri? HtmlUrl { get; init; }

    public WebhookUser? User { get; init; }

    public required WebhookPullRequestBranch Head { get; init; }

    public required WebhookPullRequestBranch Base { get; init; }

    public bool? Merged { get; init; }

    /// <summary>The merge (or test-merge) commit; null until GitHub has computed it.</summary>
    public string? MergeCommitSha { get; init; }

    [JsonConverter(typeof(WebhookTimestampConverter))]
    public DateTimeOffset? MergedAt { get; init; }

    public WebhookUser? MergedBy { get; init; }

    public IReadOnlyList<WebhookLabel>? Labels { get; init; }

    /// <summary>Number of commits on the pull request.</summary>
    public int? Commits { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>The head or base of a full pull request.</summary>
public sealed record WebhookPullRequestBranch
{
    public required string Ref { get; init; }

    public required string Sha { get; init; }

    /// <summary><c>owner:branch</c>.</summary>
    public string? Label { get; init; }

    /// <summary>Null when the head repository (a fork) has been deleted.</summary>
    public WebhookRepository? Repo { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>A label on a pull request.</summary>
public sealed record WebhookLabel
{
    public long? Id { get; init; }

    public required string Name { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>
/// The short pull request reference inside <c>check_run</c>, <c>check_suite</c> and <c>workflow_run</c>:
/// number plus head/base ref and SHA. Only pull requests in the same repository are listed.
/// </summary>
public sealed record WebhookPullRequestRef
{
    public long? Id { get; init; }

    public required int Number { get; init; }

    public required WebhookPullRequestRefBranch Head { get; init; }

    public required WebhookPullRequestRefBranch Base { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>The head or base of a <see cref="WebhookPullRequestRef"/>.</summary>
public sealed record WebhookPullRequestRefBranch
{
    public required string Ref { get; init; }

    public required string Sha { get; init; }

    public WebhookRepositoryRef? Repo { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>The minimal repository reference (<c>id</c>, <c>name</c>, <c>url</c>) inside a <see cref="WebhookPullRequestRef"/>.</summary>
public sealed record WebhookRepositoryRef
{
    public required long Id { get; init; }

    public string? Name { get; init; }

    public Uri? Url { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
