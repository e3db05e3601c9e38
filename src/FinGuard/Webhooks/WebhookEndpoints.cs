using System.Diagnostics;
using System.Text.Json;
using FinGuard.Core.Deliveries;
using FinGuard.GitHub.Auth;
using FinGuard.GitHub.Webhooks;
using FinGuard.Processing;
using FinGuard.Telemetry;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FinGuard.Webhooks;

/// <summary>
/// <c>POST /api/github/webhooks</c>: verify the signature, persist the delivery (deduplicated on
/// <c>X-GitHub-Delivery</c>), hand it to the worker and answer 202. Evaluation never happens on this path.
/// Every rejection is a problem+json with a specific <c>type</c>; bad input never produces a 500.
/// Counted: <c>finguard.deliveries.received</c> (authentic, well-formed), <c>.deduplicated</c>, <c>.rejected</c> (by reason).
/// </summary>
public static class WebhookEndpoints
{
    /// <summary>GitHub caps webhook payloads at 25 MB.</summary>
    public const long MaxBodyBytes = 25L * 1024 * 1024;

    public const string Path = "/api/github/webhooks";

    /// <summary>Bodies up to this Content-Length are read into an array of exactly that size before they arrive.</summary>
    private const long PreallocatedBodyBytes = 1024 * 1024;

    private const string ProblemBase = "https://finguard.dev/problems/";

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(Path, ReceiveAsync);
        return endpoints;
    }

    internal static async Task<Results<Accepted<WebhookAck>, ProblemHttpResult>> ReceiveAsync(
        HttpContext context,
        IOptionsMonitor<GitHubAppOptions> options,
        IDeliveryInbox inbox,
        IDeliveryDispatcher dispatcher,
        WebhookBodyBudget budget,
        TimeProvider time,
        FinGuardTelemetry telemetry,
        ILogger<WebhookIngress> logger,
        [Microsoft.AspNetCore.Mvc.FromServices] DeliveryReuseRecorder reuse,
        CancellationToken cancellationToken)
    {
        // Read per request so a rotated secret takes effect without a restart.
        var secret = options.CurrentValue.WebhookSecret;
        if (string.IsNullOrEmpty(secret)
            && options.CurrentValue.UnresolvedKeyVaultReferenceMessageFor($"{GitHubAppOptions.SectionName}:{nameof(GitHubAppOptions.WebhookSecret)}") is { } unresolved)
        {
            logger.RejectedUnresolvedSecret(unresolved);
            telemetry.DeliveryRejected("secret-not-configured");
            return Problem(StatusCodes.Status503ServiceUnavailable, "webhook-secret-not-configured", "Webhook secret not configured",
                $"FinGuard cannot verify deliveries and rejects them all: {unresolved}. See /readyz.");
        }

        if (string.IsNullOrEmpty(secret))
        {
            logger.RejectedNoSecret();
            telemetry.DeliveryRejected("secret-not-configured");
            return Problem(StatusCodes.Status503ServiceUnavailable, "webhook-secret-not-configured", "Webhook secret not configured",
                "FinGuard has no webhook secret (GitHub:WebhookSecret), so it cannot verify deliveries and rejects them all. Configure the secret from the GitHub App settings; see /readyz.");
        }

        var eventName = context.Request.Headers["X-GitHub-Event"].ToString();
        var deliveryId = context.Request.Headers["X-GitHub-Delivery"].ToString();
        if (string.IsNullOrWhiteSpace(eventName) || string.IsNullOrWhiteSpace(deliveryId))
        {
            telemetry.DeliveryRejected("missing-github-headers");
            return Problem(StatusCodes.Status400BadRequest, "missing-github-headers", "Missing GitHub headers",
                $"A webhook delivery needs both X-GitHub-Event and X-GitHub-Delivery headers; missing: {string.Join(", ", new[] { string.IsNullOrWhiteSpace(eventName) ? "X-GitHub-Event" : null, string.IsNullOrWhiteSpace(deliveryId) ? "X-GitHub-Delivery" : null }.OfType<string>())}.");
        }

        if (deliveryId.Length > 100 || !deliveryId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            telemetry.DeliveryRejected("invalid-delivery-id");
            return Problem(StatusCodes.Status400BadRequest, "invalid-delivery-id", "Invalid delivery id",
                "X-GitHub-Delivery must be a GUID (letters, digits and dashes, at most 100 characters).");
        }

        // Nothing that cannot be authentic is read: the signature header's form is checked before the body, so an
        // unsigned request costs its headers, not up to 25 MiB.
        var signature = context.Request.Headers["X-Hub-Signature-256"].ToString();
        if (!WebhookSignature.IsWellFormed(signature, out var signatureProblem))
        {
            return RejectSignature(signatureProblem, deliveryId, telemetry, logger);
        }

        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return PayloadTooLarge(telemetry);
        }

        using var lease = budget.Open();
        var read = await ReadBodyAsync(context, lease, cancellationToken);
        switch (read.Outcome)
        {
            case BodyOutcome.TooLarge:
                return PayloadTooLarge(telemetry);
            case BodyOutcome.Busy:
                logger.RejectedBusy(deliveryId, budget.Limit);
                telemetry.DeliveryRejected("ingress-busy");
                context.Response.Headers.RetryAfter = BusyRetryAfterSeconds;
                return Problem(StatusCodes.Status503ServiceUnavailable, "ingress-busy", "Too many deliveries in flight",
                    $"FinGuard is already reading {budget.Limit / (1024 * 1024)} MiB of webhook bodies (Webhooks:MaxInFlightBodyBytes), so this one was not accepted. GitHub records the failed attempt; FinGuard asks for it again.");
            case BodyOutcome.ClientFault:
                // Kestrel ended the body (too slow, cut short): answer it here rather than leave an unhandled exception.
                logger.RejectedBody(deliveryId, read.FaultStatus, read.FaultMessage);
                telemetry.DeliveryRejected(read.FaultStatus == StatusCodes.Status408RequestTimeout ? "body-timeout" : "body-incomplete");
                return Problem(read.FaultStatus, read.FaultStatus == StatusCodes.Status408RequestTimeout ? "body-timeout" : "body-incomplete",
                    read.FaultStatus == StatusCodes.Status408RequestTimeout ? "Body too slow" : "Body incomplete",
                    $"The request body could not be read: {read.FaultMessage}");
        }

        var body = read.Body!;
        var verified = WebhookSignature.Verify(body, signature, secret);
        if (verified != WebhookSignatureResult.Valid)
        {
            return RejectSignature(verified, deliveryId, telemetry, logger);
        }

        // Authentic from here on: the request span (ASP.NET Core's) names the delivery, so a trace can be found by it.
        Activity.Current?.SetTag(FinGuardTelemetry.Tags.DeliveryId, deliveryId);
        Activity.Current?.SetTag(FinGuardTelemetry.Tags.GitHubEvent, eventName);
        if (!WebhookEvents.Supported.Contains(eventName))
        {
            logger.IgnoredEvent(deliveryId, eventName);
            telemetry.DeliveryReceived(eventName);
            return TypedResults.Accepted((string?)null, new WebhookAck(deliveryId, "ignored", $"FinGuard does not handle '{eventName}' events."));
        }

        // JsonDocument checks UTF-8 inside strings only when a string is read, so a body with invalid bytes in a string
        // the envelope does not read would be stored and then fail in the worker: refuse it here, as malformed.
        if (InvalidUtf8Offset(body) is { } offset)
        {
            telemetry.DeliveryRejected("malformed-json");
            return Problem(StatusCodes.Status400BadRequest, "malformed-json", "Malformed JSON",
                $"The delivery body is not valid UTF-8 (byte offset {offset}); JSON text must be UTF-8.");
        }

        WebhookEnvelope envelope;
        try
        {
            envelope = WebhookEnvelope.Read(body);
        }
        catch (JsonException ex)
        {
            telemetry.DeliveryRejected("malformed-json");
            return Problem(StatusCodes.Status400BadRequest, "malformed-json", "Malformed JSON",
                $"The delivery body is not a JSON object: {ex.Message}");
        }

        var delivery = new InboundDelivery(deliveryId, eventName, envelope.Action, envelope.InstallationId, envelope.Repository, time.GetUtcNow(), body);
        InboxAcceptOutcome outcome;
        try
        {
            outcome = await inbox.AcceptAsync(delivery, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Nothing was acknowledged, so nothing is lost: GitHub records the failed attempt, and the redelivery sweep
            // (or an operator) asks GitHub for it again once storage is back.
            logger.StoreFailed(ex, deliveryId);
            telemetry.DeliveryRejected("storage-unavailable");
            var problem = Problem(StatusCodes.Status503ServiceUnavailable, "storage-unavailable", "Storage unavailable",
                "FinGuard could not store this delivery durably, so it was not accepted. GitHub records the failed attempt; FinGuard asks for it again when storage is back.");
            context.Response.Headers.RetryAfter = "60";
            return problem;
        }

        telemetry.DeliveryReceived(eventName);
        if (outcome == InboxAcceptOutcome.DuplicateWithDifferentBody)
        {
            // Signed, yet not what GitHub sent under this id before: GitHub redelivers identical bodies, so this is a
            // replay attempt with the secret or a bug. The first stays the one that counts; an operator must look.
            logger.DeliveryIdReused(deliveryId, eventName);
            telemetry.DeliveryIdReused(eventName);
            telemetry.DeliveryDeduplicated(eventName);
            await reuse.RecordAsync(delivery, cancellationToken);
            return TypedResults.Accepted((string?)null, new WebhookAck(deliveryId, "duplicate", "This delivery id was already received with a different body; the first is kept and this one is not processed."));
        }

        if (outcome == InboxAcceptOutcome.Duplicate)
        {
            logger.DuplicateDelivery(deliveryId, eventName);
            telemetry.DeliveryDeduplicated(eventName);
            return TypedResults.Accepted((string?)null, new WebhookAck(deliveryId, "duplicate", "This delivery was already received; it is not processed again."));
        }

        try
        {
            await dispatcher.DispatchAsync(deliveryId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The delivery is durable in the inbox: the pending-delivery sweep dispatches it again. Acknowledge, so
            // GitHub does not mark the delivery failed for a hand-off problem of ours.
            logger.DispatchFailed(ex, deliveryId);
        }
        logger.AcceptedDelivery(deliveryId, eventName, envelope.Action, envelope.Repository);
        return TypedResults.Accepted((string?)null, new WebhookAck(deliveryId, "accepted", null));
    }

    private const string BusyRetryAfterSeconds = "30";

    private static ProblemHttpResult PayloadTooLarge(FinGuardTelemetry telemetry)
    {
        telemetry.DeliveryRejected("payload-too-large");
        return Problem(StatusCodes.Status413PayloadTooLarge, "payload-too-large", "Payload too large",
            $"The delivery exceeds GitHub's {MaxBodyBytes / (1024 * 1024)} MiB webhook payload limit.");
    }

    private static ProblemHttpResult RejectSignature(WebhookSignatureResult result, string deliveryId, FinGuardTelemetry telemetry, ILogger logger)
    {
        switch (result)
        {
            case WebhookSignatureResult.MissingSignature:
                logger.RejectedSignature(deliveryId, "missing");
                telemetry.DeliveryRejected("missing-signature");
                return Problem(StatusCodes.Status401Unauthorized, "missing-signature", "Missing signature",
                    "The X-Hub-Signature-256 header is missing. GitHub sends it when the App has a webhook secret.");
            case WebhookSignatureResult.MalformedSignature:
                logger.RejectedSignature(deliveryId, "malformed");
                telemetry.DeliveryRejected("malformed-signature");
                return Problem(StatusCodes.Status401Unauthorized, "malformed-signature", "Malformed signature",
                    "X-Hub-Signature-256 must be 'sha256=' followed by 64 hexadecimal characters.");
            default:
                logger.RejectedSignature(deliveryId, "mismatch");
                telemetry.DeliveryRejected("invalid-signature");
                return Problem(StatusCodes.Status401Unauthorized, "invalid-signature", "Invalid signature",
                    "X-Hub-Signature-256 does not match the body for the configured webhook secret.");
        }
    }

    /// <summary>The offset of the first byte that is not valid UTF-8, or null when the body is valid UTF-8.</summary>
    internal static int? InvalidUtf8Offset(ReadOnlySpan<byte> body)
    {
        if (System.Text.Unicode.Utf8.IsValid(body))
        {
            return null;
        }

        var offset = 0;
        while (offset < body.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(body[offset..], out _, out var consumed) != System.Buffers.OperationStatus.Done)
            {
                return offset;
            }

            offset += consumed;
        }

        return offset;
    }

    private enum BodyOutcome
    {
        Read,
        TooLarge,
        Busy,
        ClientFault,
    }

    private readonly record struct BodyRead(BodyOutcome Outcome, byte[]? Body = null, int FaultStatus = 0, string? FaultMessage = null);

    /// <summary>
    /// Reads the raw body up to the limit, taking the bytes from <paramref name="lease"/> as they arrive. Not read when
    /// larger than the limit or past the in-flight budget; a body Kestrel ends (too slow, cut short) is a client fault.
    /// </summary>
    private static async Task<BodyRead> ReadBodyAsync(HttpContext context, WebhookBodyBudget.Lease lease, CancellationToken cancellationToken)
    {
        var sizeFeature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = MaxBodyBytes;
        }

        try
        {
            var length = context.Request.ContentLength;
            if (length <= PreallocatedBodyBytes)
            {
                // GitHub always sends Content-Length: read straight into an array of that size (kept as the delivery's
                // durable copy) instead of a copy buffer, a growing stream and a final copy.
                return lease.TryGrow(length.Value)
                    ? new BodyRead(BodyOutcome.Read, await ReadContentLengthAsync(context.Request.Body, (int)length.Value, cancellationToken))
                    : new BodyRead(BodyOutcome.Busy);
            }

            // Larger or unannounced bodies grow with the bytes that actually arrive: an unauthenticated request that
            // merely claims 25 MB must not make FinGuard reserve 25 MB. The lease counts the buffer's capacity and the
            // final copy, the memory the body really takes.
            using var buffer = new MemoryStream((int)Math.Min(length ?? 16 * 1024, PreallocatedBodyBytes));
            if (!lease.TryGrow(buffer.Capacity))
            {
                return new BodyRead(BodyOutcome.Busy);
            }

            var chunk = System.Buffers.ArrayPool<byte>.Shared.Rent(81920);
            try
            {
                int read;
                while ((read = await context.Request.Body.ReadAsync(chunk, cancellationToken)) > 0)
                {
                    if (buffer.Length + read > MaxBodyBytes)
                    {
                        return new BodyRead(BodyOutcome.TooLarge);
                    }

                    var capacity = buffer.Capacity;
                    var needed = buffer.Length + read;
                    if (needed > capacity && !lease.TryGrow(Math.Max(needed, Math.Min((long)capacity * 2, MaxBodyBytes)) - capacity))
                    {
                        return new BodyRead(BodyOutcome.Busy);
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            finally
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(chunk);
            }

            return lease.TryGrow(buffer.Length) ? new BodyRead(BodyOutcome.Read, buffer.ToArray()) : new BodyRead(BodyOutcome.Busy);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return new BodyRead(BodyOutcome.TooLarge);
        }
        catch (BadHttpRequestException ex)
        {
            return new BodyRead(BodyOutcome.ClientFault, FaultStatus: ex.StatusCode, FaultMessage: ex.Message);
        }
    }

    /// <summary>
    /// Reads a body whose Content-Length (at most <see cref="PreallocatedBodyBytes"/>) is <paramref name="length"/>. Kestrel ends
    /// the body at that length; if the client stops early, the bytes that came are returned (their signature then does
    /// not match), as a copy loop would.
    /// </summary>
    private static async Task<byte[]> ReadContentLengthAsync(Stream body, int length, CancellationToken cancellationToken)
    {
        if (length == 0)
        {
            return [];
        }

        var bytes = new byte[length];
        var read = await body.ReadAtLeastAsync(bytes, length, throwOnEndOfStream: false, cancellationToken);
        return read == length ? bytes : bytes[..read];
    }

    private static ProblemHttpResult Problem(int status, string type, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title, type: ProblemBase + type);
}

/// <summary>The body of a 202 answer.</summary>
/// <param name="DeliveryId">The acknowledged delivery.</param>
/// <param name="Status"><c>accepted</c>, <c>duplicate</c> or <c>ignored</c>.</param>
/// <param name="Detail">Why, for duplicates and ignored events.</param>
public sealed record WebhookAck(string DeliveryId, string Status, string? Detail);

/// <summary>Logger category for the ingress.</summary>
public sealed class WebhookIngress;

/// <summary>
/// The few envelope fields the inbox indexes, read without materialising the payload. A field of the wrong type reads
/// as absent (the handler reports the payload as unreadable), never as an exception here.
/// </summary>
internal readonly record struct WebhookEnvelope(string? Action, long? InstallationId, string? Repository)
{
    public static WebhookEnvelope Read(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"expected a JSON object at the top level, found {root.ValueKind.ToString().ToLowerInvariant()}.");
        }

        string? action = root.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? Text(a) : null;
        long? installation = root.TryGetProperty("installation", out var i) && i.ValueKind == JsonValueKind.Object
            && i.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var n) ? n : null;
        string? repository = root.TryGetProperty("repository", out var r) && r.ValueKind == JsonValueKind.Object
            && r.TryGetProperty("full_name", out var f) && f.ValueKind == JsonValueKind.String ? Text(f) : null;
        return new WebhookEnvelope(action, installation, repository);
    }

    // A string with an unpaired surrogate escape (e.g. "\ud800") is valid JSON syntax but not text.
    private static string? Text(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException ex)
        {
            throw new JsonException($"a string in the envelope is not valid Unicode: {ex.Message}", ex);
        }
    }
}
