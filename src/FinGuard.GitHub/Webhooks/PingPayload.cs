using System.Text.Json;
using System.Text.Json.Serialization;

namespace FinGuard.GitHub.Webhooks;

/// <summary><c>ping</c>: sent when a webhook (or the App) is created, to check the endpoint.</summary>
public sealed record PingPayload : WebhookPayload
{
    public string? Zen { get; init; }

    public long? HookId { get; init; }

    public WebhookHook? Hook { get; init; }
}

/// <summary>The webhook configuration a <c>ping</c> describes.</summary>
public sealed record WebhookHook
{
    public required long Id { get; init; }

    /// <summary><c>Repository</c>, <c>Organization</c> or <c>App</c>.</summary>
    public string? Type { get; init; }

    /// <summary>Set when the hook belongs to a GitHub App.</summary>
    public long? AppId { get; init; }

    public bool? Active { get; init; }

    public IReadOnlyList<string>? Events { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? ExtensionData { get; set; }
}
