using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace FinGuard.Telemetry;

/// <summary>
/// FinGuard's traces and metrics: the <see cref="ActivitySource"/> and the <see cref="Meter"/> named <see cref="Name"/>,
/// and one method per thing worth counting, so callers never assemble instrument names or tags themselves.
/// One instance per service provider (its meter comes from that provider's <see cref="IMeterFactory"/>, so two hosts in
/// one process, as in the tests, never mix their measurements). docs/operations.md documents every instrument.
/// Tags carry identifiers (delivery id, installation id, event names), never secrets, tokens or payload content.
/// </summary>
public sealed class FinGuardTelemetry
{
    /// <summary>The name of the ActivitySource and of the Meter.</summary>
    public const string Name = "FinGuard";

    /// <summary>Instrument names (the <c>finguard.</c> namespace).</summary>
    public static class Instruments
    {
        /// <summary>Counter: authentic, well-formed deliveries (signature valid), new or not. Tag <c>event</c>.</summary>
        public const string DeliveriesReceived = "finguard.deliveries.received";

        /// <summary>Counter: received deliveries whose <c>X-GitHub-Delivery</c> was already stored (redeliveries). Tag <c>event</c>.</summary>
        public const string DeliveriesDeduplicated = "finguard.deliveries.deduplicated";
        public const string DeliveryIdsReused = "finguard.deliveries.id_reused";

        /// <summary>Counter: stored deliveries moved aside because they could not be read back (or by an operator). Tag <c>reason</c>.</summary>
        public const string DeliveriesQuarantined = "finguard.deliveries.quarantined";

        /// <summary>Counter: deliveries refused at the door. Tag <c>reason</c>.</summary>
        public const string DeliveriesRejected = "finguard.deliveries.rejected";

        /// <summary>Counter: deliveries whose handler completed. Tag <c>event</c>.</summary>
        public const string DeliveriesProcessed = "finguard.deliveries.processed";

        /// <summary>Counter: failed processing attempts. Tags <c>event</c>, <c>permanent</c>.</summary>
        public const string DeliveriesFailed = "finguard.deliveries.failed";

        /// <summary>Histogram (ms): load facts + evaluate, up to the decision. Tags <c>kind</c>, <c>verdict</c>.</summary>
        public const string EvaluationDuration = "finguard.evaluation.duration";

        /// <summary>Counter: decisions. Tags <c>kind</c>, <c>verdict</c>, <c>conclusion</c> (pull requests).</summary>
        public const string Decisions = "finguard.decisions";

        /// <summary>Counter: HTTP requests to the GitHub API, every attempt. Tags <c>method</c>, <c>status_class</c>.</summary>
        public const string GitHubRequests = "finguard.github.requests";

        /// <summary>Observable gauge: the last <c>x-ratelimit-remaining</c> seen. Tags <c>installation</c>, <c>resource</c>.</summary>
        public const string GitHubRateLimitRemaining = "finguard.github.ratelimit.remaining";

        /// <summary>Histogram (ms): one evidence append (object + index + head). Tags <c>kind</c>, <c>outcome</c>.</summary>
        public const string EvidenceWriteDuration = "finguard.evidence.write.duration";
    }

    /// <summary>Span and metric tag names.</summary>
    public static class Tags
    {
        public const string DeliveryId = "finguard.delivery.id";
        public const string GitHubEvent = "github.event";
        public const string GitHubAction = "github.action";
        public const string InstallationId = "github.installation.id";
        public const string Repository = "github.repository";
        public const string PullRequest = "github.pull_request.number";
        public const string Event = "event";
        public const string Reason = "reason";
        public const string Permanent = "permanent";
        public const string Kind = "kind";
        public const string Verdict = "verdict";
        public const string Conclusion = "conclusion";
        public const string Method = "method";
        public const string StatusClass = "status_class";
        public const string Installation = "installation";
        public const string Resource = "resource";
        public const string Outcome = "outcome";
    }

    /// <summary>The <c>kind</c> tag values.</summary>
    public static class Kinds
    {
        public const string PullRequest = "pull_request";
        public const string Deployment = "deployment";
    }

    private static readonly string? Version = typeof(FinGuardTelemetry).Assembly.GetName().Version?.ToString(3);

    private readonly Counter<long> _received;
    private readonly Counter<long> _deduplicated;
    private readonly Counter<long> _idReused;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _quarantined;
    private readonly Counter<long> _processed;
    private readonly Counter<long> _failed;
    private readonly Histogram<double> _evaluationDuration;
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _githubRequests;
    private readonly Histogram<double> _evidenceWriteDuration;
    private readonly ConcurrentDictionary<(string Installation, string Resource), long> _rateLimitRemaining = new();

    public FinGuardTelemetry(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        // The factory owns (and disposes) the meter.
        var meter = meterFactory.Create(Name, Version);
        _received = meter.CreateCounter<long>(Instruments.DeliveriesReceived, "{delivery}", "Authentic webhook deliveries received (signature valid, well-formed), including redeliveries.");
        _idReused = meter.CreateCounter<long>(Instruments.DeliveryIdsReused, "{delivery}", "Signed deliveries that reused a stored delivery id with a different body: a replay attempt or a bug; the first is kept.");
        _deduplicated = meter.CreateCounter<long>(Instruments.DeliveriesDeduplicated, "{delivery}", "Received deliveries that were already stored and are not processed again.");
        _quarantined = meter.CreateCounter<long>(Instruments.DeliveriesQuarantined, "{delivery}", "Stored deliveries moved aside (never deleted) because they could not be read back as accepted, or by an operator.");
        _rejected = meter.CreateCounter<long>(Instruments.DeliveriesRejected, "{delivery}", "Webhook requests refused before storage, by reason.");
        _processed = meter.CreateCounter<long>(Instruments.DeliveriesProcessed, "{delivery}", "Deliveries processed to completion.");
        _failed = meter.CreateCounter<long>(Instruments.DeliveriesFailed, "{attempt}", "Failed delivery processing attempts; permanent=true when no retry follows.");
        _evaluationDuration = meter.CreateHistogram<double>(Instruments.EvaluationDuration, "ms", "Time from loading the facts to the decision.");
        _decisions = meter.CreateCounter<long>(Instruments.Decisions, "{decision}", "Decisions by kind and verdict.");
        _githubRequests = meter.CreateCounter<long>(Instruments.GitHubRequests, "{request}", "HTTP requests to the GitHub API (every attempt, retries included).");
        meter.CreateObservableGauge(Instruments.GitHubRateLimitRemaining, ObserveRateLimit, "{request}", "The last x-ratelimit-remaining GitHub sent, per installation and rate-limit resource.");
        _evidenceWriteDuration = meter.CreateHistogram<double>(Instruments.EvidenceWriteDuration, "ms", "Time to append one evidence record (immutable object, index row, chain head).");
    }

    /// <summary>FinGuard's spans: <c>finguard.delivery</c>, <c>finguard.evaluate</c>.</summary>
    public static ActivitySource ActivitySource { get; } = new(Name, Version);

    public void DeliveryReceived(string @event) => _received.Add(1, new KeyValuePair<string, object?>(Tags.Event, @event));

    public void DeliveryIdReused(string @event) => _idReused.Add(1, new KeyValuePair<string, object?>(Tags.Event, @event));

    public void DeliveryDeduplicated(string @event) => _deduplicated.Add(1, new KeyValuePair<string, object?>(Tags.Event, @event));

    /// <param name="reason">A fixed, short reason (e.g. <c>invalid-signature</c>); never request content.</param>
    public void DeliveryRejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>(Tags.Reason, reason));

    /// <param name="reason"><c>corrupt</c> or <c>operator</c>.</param>
    public void DeliveryQuarantined(string reason) => _quarantined.Add(1, new KeyValuePair<string, object?>(Tags.Reason, reason));

    public void DeliveryProcessed(string @event) => _processed.Add(1, new KeyValuePair<string, object?>(Tags.Event, @event));

    public void DeliveryFailed(string @event, bool permanent) =>
        _failed.Add(1, new KeyValuePair<string, object?>(Tags.Event, @event), new KeyValuePair<string, object?>(Tags.Permanent, permanent));

    /// <summary>Starts the span of processing one delivery (null when nobody listens).</summary>
    public static Activity? StartDelivery(string deliveryId, string @event, string? action, long? installationId, string? repository)
    {
        var activity = ActivitySource.StartActivity("finguard.delivery", ActivityKind.Consumer);
        if (activity is not null)
        {
            activity.DisplayName = action is null ? $"process {@event}" : $"process {@event}.{action}";
            activity.SetTag(Tags.DeliveryId, deliveryId);
            activity.SetTag(Tags.GitHubEvent, @event);
            activity.SetTag(Tags.GitHubAction, action);
            activity.SetTag(Tags.InstallationId, installationId);
            activity.SetTag(Tags.Repository, repository);
        }

        return activity;
    }

    /// <summary>Starts the span of one evaluation (load facts, evaluate, record evidence, answer GitHub).</summary>
    public static Activity? StartEvaluation(string kind, string repository)
    {
        var activity = ActivitySource.StartActivity("finguard.evaluate", ActivityKind.Internal);
        if (activity is not null)
        {
            activity.DisplayName = $"evaluate {kind}";
            activity.SetTag(Tags.Kind, kind);
            activity.SetTag(Tags.Repository, repository);
        }

        return activity;
    }

    /// <summary>Records a decision: its evaluation time, the decision counter, and the verdict on the current span.</summary>
    /// <param name="kind"><see cref="Kinds"/>.</param>
    /// <param name="elapsed">From loading the facts to the decision.</param>
    /// <param name="verdict">Pull requests: <c>pass</c>/<c>fail</c>; deployments: <c>approved</c>/<c>rejected</c>/<c>waiting</c>.</param>
    /// <param name="conclusion">Pull requests: the check-run conclusion; deployments: null.</param>
    public void Decided(string kind, TimeSpan elapsed, string verdict, string? conclusion)
    {
        var kindTag = new KeyValuePair<string, object?>(Tags.Kind, kind);
        var verdictTag = new KeyValuePair<string, object?>(Tags.Verdict, verdict);
        _evaluationDuration.Record(elapsed.TotalMilliseconds, kindTag, verdictTag);
        if (conclusion is null)
        {
            _decisions.Add(1, kindTag, verdictTag);
        }
        else
        {
            _decisions.Add(1, kindTag, verdictTag, new KeyValuePair<string, object?>(Tags.Conclusion, conclusion));
        }

        Activity.Current?.SetTag(Tags.Verdict, verdict);
        if (conclusion is not null)
        {
            Activity.Current?.SetTag(Tags.Conclusion, conclusion);
        }
    }

    /// <summary>Counts one GitHub API response and keeps its rate-limit reading.</summary>
    /// <param name="method">HTTP method.</param>
    /// <param name="statusCode">HTTP status, or null when no response arrived.</param>
    /// <param name="installation">Installation id, or <c>app</c> for App-JWT requests.</param>
    /// <param name="resource"><c>x-ratelimit-resource</c> (<c>core</c> when absent).</param>
    /// <param name="remaining"><c>x-ratelimit-remaining</c>, when sent.</param>
    public void GitHubRequest(string method, int? statusCode, string installation, string? resource, long? remaining)
    {
        var statusClass = statusCode is { } status ? string.Create(CultureInfo.InvariantCulture, $"{status / 100}xx") : "error";
        _githubRequests.Add(1, new KeyValuePair<string, object?>(Tags.Method, method), new KeyValuePair<string, object?>(Tags.StatusClass, statusClass));
        if (remaining is { } value)
        {
            _rateLimitRemaining[(installation, string.IsNullOrEmpty(resource) ? "core" : resource)] = value;
        }
    }

    /// <summary>Records one evidence append.</summary>
    public void EvidenceWritten(string kind, TimeSpan elapsed, bool succeeded) =>
        _evidenceWriteDuration.Record(
            elapsed.TotalMilliseconds,
            new KeyValuePair<string, object?>(Tags.Kind, kind),
            new KeyValuePair<string, object?>(Tags.Outcome, succeeded ? "ok" : "error"));

    private IEnumerable<Measurement<long>> ObserveRateLimit() =>
        _rateLimitRemaining.Select(entry => new Measurement<long>(
            entry.Value,
            new KeyValuePair<string, object?>(Tags.Installation, entry.Key.Installation),
            new KeyValuePair<string, object?>(Tags.Resource, entry.Key.Resource)));
}
