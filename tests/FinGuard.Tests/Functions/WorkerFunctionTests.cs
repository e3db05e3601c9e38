using System.Text;
using System.Text.Json;
using FinGuard.Core.Deliveries;
using FinGuard.Functions;
using FinGuard.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Hosting;
using Moq;

namespace FinGuard.Tests.Functions;

/// <summary>
/// The isolated worker's functions, invoked directly (the Functions host cannot run here) on the worker's real service
/// provider (<see cref="IsolatedWorkerHost.Build"/>, not started): a mocked <see cref="FunctionContext"/> and real
/// ASP.NET Core requests with a body stream, the way the ASP.NET Core integration hands them over.
/// </summary>
public sealed class WorkerFunctionTests : IDisposable
{
    private readonly string folder = TempDirectory.Create();
    private readonly List<ScheduledJobContext> timerRuns = [];
    private readonly IHost host;
    private bool failTimer;

    public WorkerFunctionTests()
    {
        host = IsolatedWorkerHost.Build(
            ["--functions-uri", "http://127.0.0.1:9/", $"--Storage:LocalPath={folder}", $"--GitHub:WebhookSecret={FinGuardHost.WebhookSecret}", "--Logging:LogLevel:Default=None"],
            builder => builder.Services.AddSingleton<IScheduledJob>(new RecordingJob(FunctionNames.FreezeWindowEdges, this)));
    }

    public void Dispose()
    {
        host.Dispose();
        TempDirectory.Delete(folder);
    }

    [Fact]
    public async Task The_webhook_function_stores_the_raw_body_byte_for_byte_and_answers_202()
    {
        // Whitespace and key order as GitHub sent them: the signature and the evidence are over these exact bytes.
        var body = Encoding.UTF8.GetBytes("{ \"zen\": \"Keep it logically awesome.\",\n  \"hook_id\": 1, \"action\" : null }\n");
        var deliveryId = Guid.NewGuid().ToString();
        var context = SignedDelivery("ping", body, deliveryId);

        await Execute(FinGuardFunctions.Webhook(context.Request, Context()), context);

        Assert.Equal(StatusCodes.Status202Accepted, context.Response.StatusCode);
        using var ack = JsonDocument.Parse(ResponseText(context));
        Assert.Equal("accepted", ack.RootElement.GetProperty("status").GetString());
        var stored = await Services.GetRequiredService<IDeliveryInbox>().GetAsync(deliveryId, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(body, stored.Delivery.Body.ToArray());
    }

    [Fact]
    public async Task The_webhook_function_rejects_a_body_that_does_not_match_its_signature()
    {
        var context = SignedDelivery("ping", Encoding.UTF8.GetBytes("""{"zen":"x"}"""), Guid.NewGuid().ToString());
        context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes("""{"zen":"y"}"""));

        await Execute(FinGuardFunctions.Webhook(context.Request, Context()), context);

        Assert.Equal(StatusCodes.Status401Unauthorized, context.Response.StatusCode);
        Assert.Contains("invalid-signature", ResponseText(context), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_health_functions_answer_as_serve_does()
    {
        var health = Get("/healthz");
        await Execute(FinGuardFunctions.Healthz(health.Request, Context()), health);
        var ready = Get("/readyz");
        await Execute(FinGuardFunctions.Readyz(ready.Request, Context()), ready);
        var installed = Get("/setup/installed", "?installation_id=42&setup_action=install");
        await Execute(FinGuardFunctions.SetupInstalled(installed.Request, Context()), installed);

        Assert.Equal(StatusCodes.Status200OK, health.Response.StatusCode);
        Assert.Equal("""{"status":"alive"}""", ResponseText(health));
        // No GitHub App credentials are configured here: not ready, and the report says which check failed.
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, ready.Response.StatusCode);
        Assert.Contains("\"github-app\"", ResponseText(ready), StringComparison.Ordinal);
        // Nor can the post-install page confirm the installation with GitHub, so it does not claim it.
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, installed.Response.StatusCode);
        Assert.StartsWith("text/html", installed.Response.ContentType, StringComparison.Ordinal);
        Assert.Contains("Installation not confirmed", ResponseText(installed), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_queue_function_processes_the_stored_delivery_to_completion()
    {
        var deliveryId = Guid.NewGuid().ToString();
        var webhook = SignedDelivery("ping", Encoding.UTF8.GetBytes("""{"zen":"Design for failure.","hook_id":1}"""), deliveryId);
        await Execute(FinGuardFunctions.Webhook(webhook.Request, Context()), webhook);
        Assert.Equal(StatusCodes.Status202Accepted, webhook.Response.StatusCode);

        await FinGuardFunctions.ProcessDelivery(deliveryId, Context(new Dictionary<string, object?> { ["DequeueCount"] = 1L, ["Id"] = "m-1" }));

        var stored = await Services.GetRequiredService<IDeliveryInbox>().GetAsync(deliveryId, CancellationToken.None);
        Assert.Equal(DeliveryState.Completed, stored!.State);
    }

    [Theory]
    [InlineData("72d3162e-cc78-11e3-81ab-4c9367dc0958")] // well-formed, but not in the inbox
    [InlineData("not a delivery id!")]
    [InlineData("{\"event\":\"ping\"}")]
    public async Task The_queue_function_fails_the_invocation_so_the_host_retries_or_poisons_the_message(string message)
    {
        var failure = await Assert.ThrowsAsync<DeliveryNotProcessedException>(() => FinGuardFunctions.ProcessDelivery(message, Context()));

        Assert.False(string.IsNullOrEmpty(failure.Message));
    }

    [Fact]
    public async Task A_timer_function_runs_the_job_of_its_name_with_the_hosts_timer_info()
    {
        var next = new DateTime(2026, 12, 8, 10, 1, 0, DateTimeKind.Utc);

        await FinGuardFunctions.FreezeWindowEdges(Timer(pastDue: true, next), Context());

        var run = Assert.Single(timerRuns);
        Assert.Equal(new ScheduledJobContext(FunctionNames.FreezeWindowEdges, true, "2026-12-08T10:01:00.0000000+00:00"), run);
    }

    [Fact]
    public async Task A_timer_function_whose_job_throws_fails_the_invocation()
    {
        failTimer = true;

        await Assert.ThrowsAsync<InvalidOperationException>(() => FinGuardFunctions.FreezeWindowEdges(Timer(pastDue: false, null), Context()));
    }

    [Fact]
    public async Task Every_timer_function_has_a_registered_job()
    {
        var jobs = Services.GetServices<IScheduledJob>().Select(j => j.Name).ToHashSet(StringComparer.Ordinal);

        Assert.Subset(jobs, FunctionNames.Timers.ToHashSet(StringComparer.Ordinal));
        // The Functions host fires the timers in the worker; serve's in-process scheduler is not registered.
        Assert.DoesNotContain(host.Services.GetServices<IHostedService>(), s => s is LocalTimerScheduler);
        await Task.CompletedTask;
    }

    [Fact]
    public void The_evidence_mode_check_starts_before_the_worker_connects_to_the_host()
    {
        var hosted = host.Services.GetServices<IHostedService>().Select(s => s.GetType().Name).ToList();

        var check = hosted.IndexOf(nameof(FinGuard.Evidence.EvidenceModeStartupCheck));
        var worker = hosted.FindIndex(n => n.Contains("Worker", StringComparison.Ordinal) && n != nameof(FinGuard.Processing.DeliveryWorker));
        Assert.True(check >= 0 && worker >= 0 && check < worker, $"Hosted services in start order: {string.Join(", ", hosted)}");
    }

    [Theory]
    [InlineData(true, "--host", "127.0.0.1", "--port", "50051", "--workerId", "w", "--requestId", "r", "--grpcMaxMessageLength", "2147483647", "--functions-uri", "http://127.0.0.1:50051/", "--functions-worker-id", "w")]
    [InlineData(true, "--functions-uri", "http://127.0.0.1:50051/")]
    [InlineData(true, "--host", "127.0.0.1", "--port", "50051", "--workerId", "w")]
    [InlineData(false, "serve")]
    [InlineData(false, "serve", "--urls", "http://127.0.0.1:5080")]
    [InlineData(false, "evaluate", "--offline", "dir")]
    [InlineData(false)]
    public void The_worker_runs_only_when_the_functions_host_starts_it(bool worker, params string[] args) =>
        Assert.Equal(worker, IsolatedWorkerHost.IsStartedByFunctionsHost(args));

    private IServiceProvider Services => host.Services;

    private FunctionContext Context(IReadOnlyDictionary<string, object?>? bindingData = null)
    {
        var binding = new Mock<BindingContext>();
        binding.SetupGet(b => b.BindingData).Returns(bindingData ?? new Dictionary<string, object?>());
        var context = new Mock<FunctionContext>();
        context.SetupGet(c => c.InstanceServices).Returns(Services);
        context.SetupGet(c => c.BindingContext).Returns(binding.Object);
        context.SetupGet(c => c.CancellationToken).Returns(CancellationToken.None);
        return context.Object;
    }

    private static TimerInfo Timer(bool pastDue, DateTime? next) => new()
    {
        IsPastDue = pastDue,
        ScheduleStatus = next is null ? null : new ScheduleStatus { Next = next.Value, Last = next.Value.AddMinutes(-1), LastUpdated = next.Value.AddMinutes(-1) },
    };

    private DefaultHttpContext SignedDelivery(string eventName, byte[] body, string deliveryId)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Request.Method = "POST";
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("func-finguard.azurewebsites.net");
        context.Request.Path = "/api/github/webhooks";
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body);
        using var signed = FinGuardHost.Delivery(eventName, body, deliveryId: deliveryId);
        foreach (var header in signed.Headers)
        {
            context.Request.Headers[header.Key] = header.Value.ToArray();
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    private DefaultHttpContext Get(string path, string query = "")
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Request.Method = "GET";
        context.Request.Scheme = "https";
        context.Request.Host = new HostString("func-finguard.azurewebsites.net");
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        context.Response.Body = new MemoryStream();
        return context;
    }

    // The worker's ASP.NET Core integration executes a function's IResult on the request's HttpContext.
    private static Task Execute(IResult result, HttpContext context) => result.ExecuteAsync(context);

    private static string ResponseText(HttpContext context) => Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());

    private sealed class RecordingJob(string name, WorkerFunctionTests test) : IScheduledJob
    {
        public string Name { get; } = name;

        public Task<ScheduledJobOutcome> RunAsync(ScheduledJobContext context, CancellationToken cancellationToken)
        {
            test.timerRuns.Add(context);
            return test.failTimer
                ? throw new InvalidOperationException("the job failed")
                : Task.FromResult(new ScheduledJobOutcome(true, "recorded"));
        }
    }
}
