using System.Globalization;
using System.Text.Json;
using System.Text.Unicode;

namespace FinGuard.GitHub.Webhooks;

/// <summary>
/// Turns a delivery's raw body into a typed payload for the event named by <c>X-GitHub-Event</c>.
/// Verify the signature (<see cref="WebhookSignature"/>) first; parsing is for authenticated bytes.
/// </summary>
public static class WebhookPayloadParser
{
    /// <summary>
    /// Parses <paramref name="body"/> as the payload of <paramref name="eventName"/>. Never throws on the body:
    /// invalid UTF-8, invalid JSON, wrong types, missing required fields, a top-level <c>null</c> or array all give
    /// <see cref="WebhookParseStatus.MalformedJson"/>. An event outside <see cref="WebhookEvents.Supported"/> gives
    /// <see cref="WebhookParseStatus.UnknownEvent"/> without reading the body.
    /// </summary>
    public static WebhookParseResult Parse(string eventName, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(eventName);

        if (!WebhookEvents.Supported.Contains(eventName))
        {
            return WebhookParseResult.UnknownEvent(eventName);
        }

        // The serializer does not validate UTF-8 inside strings it keeps as JsonElement (extension data),
        // so check the whole body up front rather than fail later when the value is read.
        if (!Utf8.IsValid(body))
        {
            return WebhookParseResult.MalformedJson(eventName, $"The '{eventName}' payload is not valid UTF-8.");
        }

        WebhookPayload? payload;
        try
        {
            payload = Deserialize(eventName, body);
        }
        catch (JsonException ex)
        {
            return WebhookParseResult.MalformedJson(eventName, Describe(eventName, ex));
        }

        return payload is null
            ? WebhookParseResult.MalformedJson(eventName, $"The '{eventName}' payload is the JSON literal null.")
            : WebhookParseResult.Parsed(eventName, payload);
    }

    private static WebhookPayload? Deserialize(string eventName, ReadOnlySpan<byte> body)
    {
        var context = WebhookJsonContext.Default;
        return eventName switch
        {
            WebhookEvents.Ping => JsonSerializer.Deserialize(body, context.PingPayload),
            WebhookEvents.Installation => JsonSerializer.Deserialize(body, context.InstallationPayload),
            WebhookEvents.InstallationRepositories => JsonSerializer.Deserialize(body, context.InstallationRepositoriesPayload),
            WebhookEvents.PullRequest => JsonSerializer.Deserialize(body, context.PullRequestPayload),
            WebhookEvents.PullRequestReview => JsonSerializer.Deserialize(body, context.PullRequestReviewPayload),
            WebhookEvents.CheckRun => JsonSerializer.Deserialize(body, context.CheckRunPayload),
            WebhookEvents.CheckSuite => JsonSerializer.Deserialize(body, context.CheckSuitePayload),
            WebhookEvents.WorkflowRun => JsonSerializer.Deserialize(body, context.WorkflowRunPayload),
            WebhookEvents.DeploymentProtectionRule => JsonSerializer.Deserialize(body, context.DeploymentProtectionRulePayload),
            WebhookEvents.DeploymentReview => JsonSerializer.Deserialize(body, context.DeploymentReviewPayload),
            _ => throw new InvalidOperationException($"Supported event '{eventName}' has no payload type."),
        };
    }

    // System.Text.Json messages say what failed and quote at most the offending token, never whole values.
    // Path, line and byte (1-based) are stated once, explicitly, and the serializer's own
    // " Path: … | LineNumber: … | BytePositionInLine: …" suffix is dropped.
    private static string Describe(string eventName, JsonException ex)
    {
        var reason = ex.Message;
        var suffix = reason.IndexOf(" Path: ", StringComparison.Ordinal);
        if (suffix < 0)
        {
            suffix = reason.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }

        if (suffix > 0)
        {
            reason = reason[..suffix];
        }

        var line = ex.LineNumber is { } l ? (l + 1).ToString(CultureInfo.InvariantCulture) : "?";
        var position = ex.BytePositionInLine is { } b ? (b + 1).ToString(CultureInfo.InvariantCulture) : "?";
        return $"Malformed '{eventName}' payload at {ex.Path ?? "$"} (line {line}, byte {position}): {reason}";
    }
}
