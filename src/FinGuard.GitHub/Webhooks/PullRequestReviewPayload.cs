using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.GitHub.Webhooks;

/// <summary><c>pull_request_review</c>: a review was submitted, edited or dismissed.</summary>
public sealed record PullRequestReviewPayload : WebhookPayload
{
    public required WebhookReview Review { get; init; }

    public required WebhookPullRequest PullRequest { get; init; }
}

/// <summary>A pull request review.</summary>
public sealed record WebhookReview
{
    public required long Id { get; init; }

    /// <summary>Null when the reviewer's account has been deleted.</summary>
    public WebhookUser? User { get; init; }

    /// <summary>As sent in webhooks: <c>approved</c>, <c>changes_requested</c>, <c>commented</c>, <c>dismissed</c>, ….</summary>
    public string? State { get; init; }

    /// <summary>The commit that was head when the review was submitted.</summary>
    public string? CommitId { get; init; }

    [JsonConverter(typeof(WebhookTimestampConverter))]
    public DateTimeOffset? SubmittedAt { get; init; }

    public string? Body { get; init; }

    /// <summary><c>OWNER</c>, <c>MEMBER</c>, <c>COLLABORATOR</c>, <c>CONTRIBUTOR</c>, ….</summary>
    public string? AuthorAssociation { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
