using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using FinGuard.Telemetry;
using FinGuard.Testing.FakeGitHub;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace FinGuard.Tests.Telemetry;

/// <summary>
/// The real <c>finguard serve</c> host and the fake GitHub: deliveries produce the documented FinGuard metrics and spans,
/// the OpenTelemetry SDK exports them, and no recorded tag or log line carries the webhook secret, the App JWT or an
/// installation token.
/// </summary>
public sealed class TelemetryEndToEndTests : IAsyncLifetime, IDisposable
{
    private const int RateLimitRemaining = 4321;

    private readonly string folder = TempDirectory.Create();
    private readonly CapturingLoggerProvider logs = new();
    private readonly ConcurrentQueue<Activity> spans = new();
    // The in-memory exporters add from the SDK's threads (a span as it ends, metrics on each collection) without a lock,
    // so the tests read snapshots of these, never the live lists.
    private readonly LockedCollection<Activity> exportedSpans = new();
    private readonly LockedCollection<Metric> exportedMetrics = new();
    private readonly ActivityListener activityListener;
    private FakeGitHubServer github = null!;
    private FinGuardHost host = null!;
    private FinGuardMeasurements metrics = null!;

    public TelemetryEndToEndTests()
    {
        // Process-wide: tests filter what they read by their own delivery's trace.
        activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is FinGuardTelemetry.Name or "Microsoft.AspNetCore" or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(activityListener);
    }

    public async Task InitializeAsync()
    {
        github = await FakeGitHubServer.StartAsync();
        github.RateLimitRemaining = RateLimitRemaining;
        var settings = FinGuardHost.GitHubSettings(github, folder);
        settings["Logging:LogLevel:Default"] = "Information";
        host = await FinGuardHost.StartAsync(
            settings,
            builder =>
            {
                builder.Logging.AddProvider(logs);
                builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(exportedSpans));
                builder.Services.ConfigureOpenTelemetryMeterProvider(meters => meters.AddInMemoryExporter(exportedMetrics));
            });
        metrics = new FinGuardMeasurements(host.Services);
    }

    public async Task DisposeAsync()
    {
        metrics.Dispose();
        await host.DisposeAsync();
        await github.DisposeAsync();
        TempDirectory.Delete(folder);
    }

    public void Dispose()
    {
        activityListener.Dispose();
        logs.Dispose();
    }

    private static byte[] Payload(PullRequestScenario scenario, string action) =>
        Encoding.UTF8.GetBytes(scenario.WebhookPayload(WebhookExamples.First("pull_request", action), action).ToJsonString());

    private Task<Activity> DeliverySpanAsync(string deliveryId) =>
        Eventually.GetAsync(
            () => spans.FirstOrDefault(s => s.OperationName == "finguard.delivery" && (string?)s.GetTagItem(FinGuardTelemetry.Tags.DeliveryId) == deliveryId),
            () => $"no finguard.delivery span for {deliveryId}; spans: {string.Join(", ", spans.Select(s => s.OperationName))}");

    [Fact]
    public async Task A_pull_request_delivery_is_counted_traced_and_timed_and_a_redelivery_and_a_forgery_are_told_apart()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: "ledger", number: 42)
            .WithCommit(verified: true)
            .WithCommit(verified: false, reason: "unsigned")
            .WithTwoIndependentApprovals();
        scenario.ServeOn(github);
        var deliveryId = Guid.NewGuid().ToString();
        var body = Payload(scenario, "synchronize");

        using (var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body, deliveryId: deliveryId)))
        {
            Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        }

        await Eventually.GetAsync(
            () => metrics.Sum(FinGuardTelemetry.Instruments.DeliveriesProcessed, ("event", "pull_request")) == 1 ? metrics.All : null,
            () => $"the delivery was not processed; measurements: {string.Join(", ", metrics.All.Select(m => m.Instrument))}");
        Assert.Equal(1, metrics.Sum(FinGuardTelemetry.Instruments.DeliveriesReceived, ("event", "pull_request")));
        Assert.Equal(0, metrics.Sum(FinGuardTelemetry.Instruments.DeliveriesDeduplicated));

        // The decision: one, failing (an unsigned commit), timed.
        var decision = Assert.Single(metrics.Of(FinGuardTelemetry.Instruments.Decisions));
        Assert.Equal(1, decision.Value);
        Assert.True(decision.Has("kind", "pull_request") && decision.Has("verdict", "fail") && decision.Has("conclusion", "failure"), string.Join(", ", decision.Tags));
        var evaluation = Assert.Single(metrics.Of(FinGuardTelemetry.Instruments.EvaluationDuration));
        Assert.True(evaluation.Has("kind", "pull_request") && evaluation.Has("verdict", "fail"));
        Assert.InRange(evaluation.Value, 0.001, 30_000);
        var write = Assert.Single(metrics.Of(FinGuardTelemetry.Instruments.EvidenceWriteDuration));
        Assert.True(write.Has("kind", "pull_request") && write.Has("outcome", "ok"));
        Assert.InRange(write.Value, 0.001, 30_000);

        // Every request the fake GitHub answered was counted once, by method and status class.
        var seen = github.Requests;
        Assert.Equal(seen.Count, metrics.Sum(FinGuardTelemetry.Instruments.GitHubRequests));
        Assert.Equal(seen.Count(r => r.Method == "GET"), metrics.Sum(FinGuardTelemetry.Instruments.GitHubRequests, ("method", "get")));
        // No policy file in the scenario: those reads are answered 404.
        Assert.Equal(seen.Count(r => r.Method == "GET" && !r.IsMatched), metrics.Sum(FinGuardTelemetry.Instruments.GitHubRequests, ("method", "get"), ("status_class", "4xx")));
        Assert.Contains(seen, r => r.Method == "GET" && !r.IsMatched);
        Assert.Equal(seen.Count(r => r.Method == "POST"), metrics.Sum(FinGuardTelemetry.Instruments.GitHubRequests, ("method", "post"), ("status_class", "2xx")));

        // The remaining rate limit, as the fake sent it: for the installation, and for the App itself (the token request).
        var remaining = metrics.Observe(FinGuardTelemetry.Instruments.GitHubRateLimitRemaining);
        var installation = scenario.InstallationId.ToString(CultureInfo.InvariantCulture);
        Assert.Contains(remaining, m => m.Has("installation", installation) && m.Has("resource", "core") && m.Value == RateLimitRemaining);
        Assert.Contains(remaining, m => m.Has("installation", "app") && m.Value == RateLimitRemaining);

        // The delivery span, its evaluation span and the GitHub calls, all in one trace.
        var delivery = await DeliverySpanAsync(deliveryId);
        Assert.Equal(ActivityKind.Consumer, delivery.Kind);
        Assert.Equal("pull_request", delivery.GetTagItem(FinGuardTelemetry.Tags.GitHubEvent));
        Assert.Equal("synchronize", delivery.GetTagItem(FinGuardTelemetry.Tags.GitHubAction));
        Assert.Equal(scenario.FullName, delivery.GetTagItem(FinGuardTelemetry.Tags.Repository));
        Assert.NotEqual(ActivityStatusCode.Error, delivery.Status);
        var trace = spans.Where(s => s.TraceId == delivery.TraceId).ToList();
        var evaluate = Assert.Single(trace, s => s.OperationName == "finguard.evaluate");
        Assert.Equal(delivery.SpanId, evaluate.ParentSpanId);
        Assert.Equal("fail", evaluate.GetTagItem(FinGuardTelemetry.Tags.Verdict));
        Assert.Equal(42, evaluate.GetTagItem(FinGuardTelemetry.Tags.PullRequest));
        Assert.Equal(seen.Count, trace.Count(s => s.Source.Name == "System.Net.Http"));
        // The ingress request span names the delivery too.
        Assert.Contains(spans, s => s.Source.Name == "Microsoft.AspNetCore" && (string?)s.GetTagItem(FinGuardTelemetry.Tags.DeliveryId) == deliveryId);

        // Logs of the worker carry the delivery scope.
        Assert.Contains(logs.Lines, l => l.Contains($"DeliveryId={deliveryId}", StringComparison.Ordinal) && l.Contains("Event=pull_request", StringComparison.Ordinal));

        // A redelivery is received and deduplicated; a forged delivery is rejected and not received.
        using (var again = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body, deliveryId: deliveryId)))
        {
            Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        }

        using (var forged = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body, secret: "forged-secret")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        }

        using (var unsigned = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", body, secret: null)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }

        Assert.Equal(2, metrics.Sum(FinGuardTelemetry.Instruments.DeliveriesReceived, ("event", "pull_request")));
        Assert.Equal(1, metrics.Sum(FinGuardTelemetry.Instruments.DeliveriesDeduplicated, ("event", "pull_request")));
        Assert.Equal(1, metrics.Sum(FinGuardTelemetry.Instruments.DeliveriesRejected, ("reason", "invalid-signature")));
        Assert.Equal(1, metrics.Sum(FinGuardTelemetry.Instruments.DeliveriesRejected, ("reason", "missing-signature")));
        Assert.Equal(2, metrics.Sum(FinGuardTelemetry.Instruments.DeliveriesRejected));
        Assert.Single(metrics.Of(FinGuardTelemetry.Instruments.Decisions));

        // The OpenTelemetry SDK the host configures picks up FinGuard's source and meter (here: in-memory exporters).
        var tracerProvider = host.Services.GetRequiredService<TracerProvider>();
        Assert.True(tracerProvider.ForceFlush());
        Assert.Contains(exportedSpans.Snapshot(), s => s.OperationName == "finguard.delivery" && (string?)s.GetTagItem(FinGuardTelemetry.Tags.DeliveryId) == deliveryId);

        Assert.True(host.Services.GetRequiredService<MeterProvider>().ForceFlush());
        var exportedNames = exportedMetrics.Snapshot().Select(m => m.Name).ToHashSet();
        Assert.Contains(FinGuardTelemetry.Instruments.DeliveriesReceived, exportedNames);
        Assert.Contains(FinGuardTelemetry.Instruments.Decisions, exportedNames);
        Assert.Contains(FinGuardTelemetry.Instruments.GitHubRateLimitRemaining, exportedNames);
        Assert.Contains(FinGuardTelemetry.Instruments.EvidenceWriteDuration, exportedNames);

        AssertNoSecretIn(trace.Concat(spans.Where(s => s.Source.Name == "Microsoft.AspNetCore")).ToList());
    }

    [Fact]
    public async Task A_delivery_GitHub_refuses_is_counted_as_a_permanent_failure_and_its_span_is_an_error()
    {
        var scenario = new PullRequestScenario(owner: "octo-org", repo: "vault", number: 7).WithCommit(verified: true);
        scenario.ServeOn(github);
        github.Respond("GET", scenario.ComparePath, _ => FakeResponse.NotFound());
        var deliveryId = Guid.NewGuid().ToString();

        using (var ack = await host.Client.SendAsync(FinGuardHost.Delivery("pull_request", Payload(scenario, "opened"), deliveryId: deliveryId)))
        {
            Assert.Equal(HttpStatusCode.Accepted, ack.StatusCode);
        }

        var delivery = await DeliverySpanAsync(deliveryId);
        Assert.Equal(ActivityStatusCode.Error, delivery.Status);
        Assert.Equal(true, delivery.GetTagItem("finguard.delivery.permanent_failure"));
        Assert.Equal(1, metrics.Sum(FinGuardTelemetry.Instruments.DeliveriesFailed, ("event", "pull_request"), ("permanent", "true")));
        Assert.Equal(0, metrics.Sum(FinGuardTelemetry.Instruments.DeliveriesProcessed));
        Assert.Empty(metrics.Of(FinGuardTelemetry.Instruments.Decisions));
        Assert.Equal(1, metrics.Sum(FinGuardTelemetry.Instruments.GitHubRequests, ("method", "get"), ("status_class", "4xx")));
        AssertNoSecretIn(spans.Where(s => s.TraceId == delivery.TraceId).ToList());
    }

    /// <summary>The webhook secret, every App JWT and installation token the fake saw: in no span tag, metric tag or log line.</summary>
    private void AssertNoSecretIn(IReadOnlyList<Activity> traced)
    {
        var credentials = github.Requests.Select(r => r.Header("Authorization")).OfType<string>()
            .Select(h => h["Bearer ".Length..]).Distinct().ToList();
        Assert.Contains(credentials, c => c.StartsWith("ghs_", StringComparison.Ordinal));
        var secrets = credentials.Append(FinGuardHost.WebhookSecret).Append("forged-secret").ToList();

        var recorded = traced.SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}").Append(s.DisplayName).Append(s.StatusDescription ?? ""))
            .Concat(metrics.All.SelectMany(m => m.Tags.Select(t => $"{t.Key}={t.Value}")))
            .Concat(logs.Lines)
            .ToList();
        Assert.NotEmpty(recorded);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(recorded, r => r.Contains(secret, StringComparison.OrdinalIgnoreCase));
        }
    }
}

/// <summary>A collection an exporter can add to from any thread while a test reads <see cref="Snapshot"/>s of it.</summary>
internal sealed class LockedCollection<T> : ICollection<T>
{
    private readonly List<T> items = [];

    public int Count
    {
        get
        {
            lock (items)
            {
                return items.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public List<T> Snapshot()
    {
        lock (items)
        {
            return [.. items];
        }
    }

    public void Add(T item)
    {
        lock (items)
        {
            items.Add(item);
        }
    }

    public void Clear()
    {
        lock (items)
        {
            items.Clear();
        }
    }

    public bool Contains(T item)
    {
        lock (items)
        {
            return items.Contains(item);
        }
    }

    public void CopyTo(T[] array, int arrayIndex)
    {
        lock (items)
        {
            items.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(T item)
    {
        lock (items)
        {
            return items.Remove(item);
        }
    }

    public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
