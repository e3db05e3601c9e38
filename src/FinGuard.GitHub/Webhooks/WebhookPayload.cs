using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.GitHub.Webhooks;

/// <summary>
/// The envelope every supported webhook payload shares. Fields GitHub omits for some events
/// (no <c>repository</c> on <c>installation</c>, no <c>action</c> on <c>ping</c>) are null.
/// </summary>
/// <remarks>
/// Model conventions for every type in this folder: only what FinGuard reads is modelled; everything else is
/// kept in <see cref="ExtensionData"/> so nothing is lost. Values GitHub extends over time (action, state,
/// status, conclusion, …) are plain strings, so an unknown value still parses. Only identities and join keys
/// that GitHub's schema and every recorded example guarantee are <c>required</c>; everything else is nullable,
/// because an unparseable delivery is worse than a missing optional field.
/// <c>ExtensionData</c> has a setter rather than <c>init</c>: System.Text.Json binds init-only and required
/// members like constructor parameters, which extension data cannot be.
/// </remarks>
public abstract record WebhookPayload
{
    /// <summary>The activity within the event, e.g. <c>opened</c> or <c>requested</c>; null for <c>ping</c>.</summary>
    public string? Action { get; init; }

    public WebhookUser? Sender { get; init; }

    public WebhookInstallation? Installation { get; init; }

    public WebhookRepository? Repository { get; init; }

    public WebhookOrganization? Organization { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>A GitHub user, bot or organization as it appears in <c>sender</c>, <c>user</c>, <c>owner</c>, ….</summary>
public sealed record WebhookUser
{
    public required string Login { get; init; }

    public required long Id { get; init; }

    /// <summary><c>User</c>, <c>Bot</c> or <c>Organization</c> (kept as a string: GitHub may add values).</summary>
    public string? Type { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>
/// The account an installation belongs to: a user or organization, or an enterprise (which has a
/// <c>slug</c> and no <c>login</c>), so only <see cref="Id"/> is guaranteed.
/// </summary>
public sealed record WebhookAccount
{
    public required long Id { get; init; }

    public string? Login { get; init; }

    public string? Slug { get; init; }

    public string? Type { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>
/// The GitHub App installation. Most events carry only <c>id</c> and <c>node_id</c>; <c>installation</c> and
/// <c>installation_repositories</c> events carry the full object.
/// </summary>
public sealed record WebhookInstallation
{
    public required long Id { get; init; }

    public string? NodeId { get; init; }

    public WebhookAccount? Account { get; init; }

    public long? AppId { get; init; }

    public string? AppSlug { get; init; }

    /// <summary><c>Organization</c>, <c>User</c> or <c>Enterprise</c>.</summary>
    public string? TargetType { get; init; }

    /// <summary><c>all</c> or <c>selected</c>.</summary>
    public string? RepositorySelection { get; init; }

    [JsonConverter(typeof(WebhookTimestampConverter))]
    public DateTimeOffset? SuspendedAt { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>
/// A repository: the envelope's <c>repository</c>, a pull request's head/base <c>repo</c>, or an entry of an
/// installation's repository list (which has no <c>owner</c> or <c>default_branch</c>).
/// </summary>
public sealed record WebhookRepository
{
    public required long Id { get; init; }

    public required string Name { get; init; }

    /// <summary><c>owner/name</c>.</summary>
    public required string FullName { get; init; }

    public WebhookUser? Owner { get; init; }

    public string? DefaultBranch { get; init; }

    public bool? Private { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>The organization that owns the repository, when there is one.</summary>
public sealed record WebhookOrganization
{
    public required string Login { get; init; }

    public required long Id { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}

/// <summary>A GitHub App, as the owner of a check run or check suite.</summary>
public sealed record WebhookApp
{
    public required long Id { get; init; }

    /// <summary>Not present in every payload (older check run examples omit it).</summary>
    public string? Slug { get; init; }

    public string? Name { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
