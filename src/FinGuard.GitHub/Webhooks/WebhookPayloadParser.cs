using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
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
    public static WebhookParseResult Parse(string eventName, ReadOnlySpan<byte> body) => ParseWith(eventName, body, WebhookJsonContext.Default.Options);

    /// <summary>
    /// As <see cref="Parse(string, ReadOnlySpan{byte})"/>, except that unknown fields are kept only at the top level of
    /// the payload (<see cref="WebhookPayload.ExtensionData"/>); inside nested objects (the pull request, repository,
    /// users, …) they are skipped. For the delivery handlers, which read modelled fields and the payload's own extension
    /// data (<c>changes</c>, a deployment's <c>sha</c>) and take any object they record as evidence from the raw body:
    /// keeping every unknown field made the typed parse of a 21 KB <c>pull_request</c> delivery six times the cost of a
    /// plain JSON parse (each kept value is a JSON document of its own). Same checks, same errors.
    /// </summary>
    public static WebhookParseResult ParseForHandling(string eventName, ReadOnlySpan<byte> body) => ParseWith(eventName, body, TopLevelUnknownFieldsOnly.Value);

    private static readonly Lazy<JsonSerializerOptions> TopLevelUnknownFieldsOnly = new(static () =>
        new JsonSerializerOptions(WebhookJsonContext.Default.Options)
        {
            TypeInfoResolver = WebhookJsonContext.Default.WithAddedModifier(static type =>
            {
                if (type.Kind != JsonTypeInfoKind.Object || typeof(WebhookPayload).IsAssignableFrom(type.Type))
                {
                    return;
                }

                for (var i = type.Properties.Count - 1; i >= 0; i--)
                {
                    if (type.Properties[i].IsExtensionData)
                    {
                        type.Properties.RemoveAt(i);
                    }
                }
            }),
        });

    private static WebhookParseResult ParseWith(string eventName, ReadOnlySpan<byte> body, JsonSerializerOptions options)
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
            payload = Deserialize(eventName, body, options);
        }
        catch (JsonException ex)
        {
            return WebhookParseResult.MalformedJson(eventName, Describe(eventName, ex));
        }

        return payload is null
            ? WebhookParseResult.MalformedJson(eventName, $"The '{eventName}' payload is the JSON literal null.")
            : WebhookParseResult.Parsed(eventName, payload);
    }

    private static WebhookPayload? Deserialize(string eventName, ReadOnlySpan<byte> body, JsonSerializerOptions options)
    {
        return eventName switch
        {
            WebhookEvents.Ping => JsonSerializer.Deserialize(body, Info<PingPayload>(options)),
            WebhookEvents.Installation => JsonSerializer.Deserialize(body, Info<InstallationPayload>(options)),
            WebhookEvents.InstallationRepositories => JsonSerializer.Deserialize(body, Info<InstallationRepositoriesPayload>(options)),
            WebhookEvents.PullRequest => JsonSerializer.Deserialize(body, Info<PullRequestPayload>(options)),
            WebhookEvents.PullRequestReview => JsonSerializer.Deserialize(body, Info<PullRequestReviewPayload>(options)),
            WebhookEvents.CheckRun => JsonSerializer.Deserialize(body, Info<CheckRunPayload>(options)),
            WebhookEvents.CheckSuite => JsonSerializer.Deserialize(body, Info<CheckSuitePayload>(options)),
            WebhookEvents.WorkflowRun => JsonSerializer.Deserialize(body, Info<WorkflowRunPayload>(options)),
            WebhookEvents.DeploymentProtectionRule => JsonSerializer.Deserialize(body, Info<DeploymentProtectionRulePayload>(options)),
            WebhookEvents.DeploymentReview => JsonSerializer.Deserialize(body, Info<DeploymentReviewPayload>(options)),
            WebhookEvents.MergeGroup => JsonSerializer.Deserialize(body, Info<MergeGroupPayload>(options)),
            WebhookEvents.Push => JsonSerializer.Deserialize(body, Info<PushPayload>(options)),
            WebhookEvents.DeploymentStatus => JsonSerializer.Deserialize(body, Info<DeploymentStatusPayload>(options)),
            _ => throw new InvalidOperationException($"Supported event '{eventName}' has no payload type."),
        };
    }

    private static JsonTypeInfo<T> Info<T>(JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

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
