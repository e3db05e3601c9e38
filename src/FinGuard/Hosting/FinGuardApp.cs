using System.Reflection;
using FinGuard.Evidence;
using FinGuard.Functions;
using FinGuard.GitHub;
using FinGuard.Health;
using FinGuard.Processing;
using FinGuard.Setup;
using FinGuard.Storage;
using FinGuard.Webhooks;

namespace FinGuard.Hosting;

/// <summary>Builds <c>finguard serve</c>, the Kestrel web application; <see cref="AddFinGuardServices"/> is shared with the Azure Functions worker.</summary>
public static class FinGuardApp
{
    public static string Version { get; } =
        typeof(FinGuardApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? "0.0.0";

    /// <summary>The host's switch for watching appsettings*.json; FinGuard sets it to false (see <see cref="Build"/>).</summary>
    public const string ReloadConfigOnChangeKey = "hostBuilder:reloadConfigOnChange";

    /// <param name="args">Command-line configuration switches.</param>
    /// <param name="configure">Lets tests add configuration or replace services before the app is built.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings*.json are read once, not watched ("hostBuilder:reloadConfigOnChange", which a later argument can
        // still turn back on). Watching them means a recursive inotify watch on the content root, the working directory,
        // which holds the local store (./.finguard): every file the store creates woke a watcher thread, 3 % of the CPU
        // of the end-to-end benchmark (perf, 2026-12-03), and a store with many repositories' folders can exhaust the
        // user's inotify watches. Settings that change at run time come from the environment or Key Vault (the host
        // restarts the app), and the set-up secrets file has its own polling source.
        var builder = WebApplication.CreateSlimBuilder([$"--{ReloadConfigOnChangeKey}=false", .. args]);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:5080");
        }

        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = WebhookEndpoints.MaxBodyBytes);
        builder.AddFinGuardServices(FinGuardHostKind.Serve);

        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapFinGuardEndpoints();
        return app;
    }

    /// <summary>
    /// FinGuard's configuration sources, logging filters and services, the same for <c>finguard serve</c> and the
    /// Functions worker; only <c>serve</c> runs the timers itself (<see cref="LocalTimerScheduler"/>).
    /// </summary>
    public static IHostApplicationBuilder AddFinGuardServices(this IHostApplicationBuilder builder, FinGuardHostKind kind)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration.AddSetupSecretsFile();
        // Per-request framework logs are noise for an operator; FinGuard's own events carry the delivery scope.
        // Configuration (Logging:LogLevel:Microsoft.AspNetCore) still overrides this.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // The HTTP resilience pipeline logs every GitHub call at Information ("Execution attempt ... Result: '200'")
        // without its URL; retries and failures are warnings and stay, with FinGuard's own events naming the request.
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddFinGuardOpenTelemetry(kind);
        builder.Services.AddFinGuardGitHub(builder.Configuration);
        builder.Services.AddFinGuardStorage(builder.Configuration);
        builder.Services.AddFinGuardEvidence(builder.Configuration); // FinGuard:Mode start-up check: before anything writes evidence
        builder.Services.AddFinGuardProcessing(builder.Configuration);
        builder.Services.AddFinGuardWebhooks(builder.Configuration);
        builder.Services.AddFinGuardFunctions();
        builder.Services.AddFinGuardScheduledJobs();
        builder.Services.AddFinGuardSetup(builder.Configuration);
        if (kind == FinGuardHostKind.Serve)
        {
            builder.Services.AddHostedService<LocalTimerScheduler>();
        }

        return builder;
    }

    /// <summary>The app's HTTP endpoints: mapped by <c>serve</c>, and run by the Functions worker's HTTP functions (<see cref="FunctionHttpEndpoints"/>).</summary>
    public static IEndpointRouteBuilder MapFinGuardEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapWebhookEndpoints();
        endpoints.MapHealthEndpoints();
        endpoints.MapSetupEndpoints();
        return endpoints;
    }
}

/// <summary>Which host runs FinGuard.</summary>
public enum FinGuardHostKind
{
    /// <summary><c>finguard serve</c>: Kestrel, in-process timers.</summary>
    Serve,

    /// <summary>The Azure Functions isolated worker: the Functions host fires the triggers.</summary>
    FunctionsWorker,
}
