using System.Diagnostics.CodeAnalysis;

namespace FinGuard.GitHub.Webhooks;

/// <summary>How parsing a delivery ended.</summary>
public enum WebhookParseStatus
{
    /// <summary><see cref="WebhookParseResult.Payload"/> holds the typed payload.</summary>
    Parsed,

    /// <summary>The event is not one FinGuard handles (see <see cref="WebhookEvents.Supported"/>); ingress acknowledges and ignores it.</summary>
    UnknownEvent,

    /// <summary>The body is not a valid payload for the event; <see cref="WebhookParseResult.Error"/> says where.</summary>
    MalformedJson,
}

/// <summary>
/// The outcome of <see cref="WebhookPayloadParser.Parse(string, ReadOnlySpan{byte})"/> and <see cref="WebhookPayloadParser.ParseForHandling"/>: a typed payload, or why there is none.
/// Pattern-match <see cref="Payload"/> on the concrete type, e.g. <c>result.Payload is PullRequestPayload pr</c>.
/// </summary>
public sealed class WebhookParseResult
{
    private WebhookParseResult(WebhookParseStatus status, string eventName, WebhookPayload? payload, string? error)
    {
        Status = status;
        EventName = eventName;
        Payload = payload;
        Error = error;
    }

    public WebhookParseStatus Status { get; }

    /// <summary>The <c>X-GitHub-Event</c> name the body was parsed as.</summary>
    public string EventName { get; }

    /// <summary>The payload when <see cref="Status"/> is <see cref="WebhookParseStatus.Parsed"/>.</summary>
    public WebhookPayload? Payload { get; }

    /// <summary>
    /// Why there is no payload: the JSON error with its path, line and byte position. Never contains the body
    /// beyond the offending token, and never the secret.
    /// </summary>
    public string? Error { get; }

    [MemberNotNullWhen(true, nameof(Payload))]
    [MemberNotNullWhen(false, nameof(Error))]
    public bool IsParsed => Status == WebhookParseStatus.Parsed;

    public static WebhookParseResult Parsed(string eventName, WebhookPayload payload)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentNullException.ThrowIfNull(payload);
        return new(WebhookParseStatus.Parsed, eventName, payload, null);
    }

    public static WebhookParseResult UnknownEvent(string eventName)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        return new(WebhookParseStatus.UnknownEvent, eventName, null, $"FinGuard does not handle '{eventName}' events.");
    }

    public static WebhookParseResult MalformedJson(string eventName, string error)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        ArgumentException.ThrowIfNullOrEmpty(error);
        return new(WebhookParseStatus.MalformedJson, eventName, null, error);
    }

    public override string ToString() => IsParsed ? $"{EventName}: parsed" : $"{EventName}: {Status}: {Error}";
}
