using System.Text.Json;
using FinGuard.Core.Deliveries;
using FinGuard.GitHub.Evaluation;
using FinGuard.GitHub.Snapshots;
using FinGuard.Storage.Pushes;

namespace FinGuard.Processing;

/// <summary>
/// Who pushed a pull request's head: recorded from the verified <c>pull_request</c> delivery that set it (opened,
/// synchronize, reopened: its <c>sender</c>), and added to the facts of every later evaluation of that head — a review,
/// a re-run, a deployment's evaluate-now — as <c>head-push</c> facts naming their delivery. The store only locates the
/// delivery's own words; the decision reads the sender from them.
/// </summary>
public static class HeadPushRecorder
{
    private static readonly HashSet<string> HeadSettingActions = new(StringComparer.Ordinal) { "opened", "synchronize", "reopened" };

    /// <summary>Records the pusher a <c>pull_request</c> delivery names; nothing for any other delivery.</summary>
    public static async Task RecordAsync(IHeadPushes store, InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(delivery);
        if (delivery.Event != GitHub.Webhooks.WebhookEvents.PullRequest || delivery.Action is not { } action || !HeadSettingActions.Contains(action))
        {
            return;
        }

        using var document = JsonDocument.Parse(delivery.Body);
        var root = document.RootElement;
        if (!root.TryGetProperty("pull_request", out var pull) || pull.ValueKind != JsonValueKind.Object
            || !pull.TryGetProperty("head", out var head) || head.ValueKind != JsonValueKind.Object
            || !head.TryGetProperty("sha", out var sha) || sha.GetString() is not { } headSha
            || !root.TryGetProperty("repository", out var repository) || repository.ValueKind != JsonValueKind.Object
            || !repository.TryGetProperty("full_name", out var fullName) || fullName.GetString() is not { } repositoryName
            || !root.TryGetProperty("sender", out var sender) || sender.ValueKind != JsonValueKind.Object)
        {
            return; // Nothing that names a push; the evaluation says the pusher is unknown.
        }

        await store.RecordAsync(new HeadPush
        {
            Repository = repositoryName,
            HeadSha = headSha,
            DeliveryId = delivery.DeliveryId,
            Action = action,
            ReceivedAt = delivery.ReceivedAt,
            Body = Reduce(root, action, headSha, fullName, sender),
        }, cancellationToken);
    }

    /// <summary><paramref name="facts"/> with the recorded pushes of its head, or unchanged when none is recorded (the pusher is unknown).</summary>
    public static async Task<PullRequestFactSet> AddAsync(IHeadPushes store, PullRequestFactSet facts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(facts);
        if (!facts.Pull.TryGetProperty("head", out var head) || !head.TryGetProperty("sha", out var sha)
            || sha.GetString() is not { Length: 40 or 64 } headSha || !headSha.All(char.IsAsciiHexDigit))
        {
            return facts;
        }

        var pushes = await store.FindAsync(facts.Repository, headSha, cancellationToken);
        if (pushes.Count == 0)
        {
            return facts;
        }

        return facts.WithHeadPushes([.. pushes.Select(p =>
        {
            using var body = JsonDocument.Parse(p.Body);
            return new HeadPushDelivery(body.RootElement.Clone(), $"webhook pull_request.{p.Action} delivery {p.DeliveryId}");
        })]);
    }

    /// <summary>The delivery reduced to what names the push, each value exactly as delivered.</summary>
    private static string Reduce(JsonElement root, string action, string headSha, JsonElement fullName, JsonElement sender)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("action", action);
            if (root.TryGetProperty("number", out var number))
            {
                writer.WritePropertyName("number");
                number.WriteTo(writer);
            }

            writer.WriteStartObject("pull_request");
            writer.WriteStartObject("head");
            writer.WriteString("sha", headSha);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteStartObject("repository");
            writer.WritePropertyName("full_name");
            fullName.WriteTo(writer);
            writer.WriteEndObject();
            writer.WritePropertyName("sender");
            sender.WriteTo(writer);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
