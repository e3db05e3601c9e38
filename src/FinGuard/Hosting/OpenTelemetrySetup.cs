using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using FinGuard.Telemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FinGuard.Hosting;

/// <summary>
/// OpenTelemetry for <c>finguard serve</c> and the Functions worker: traces of FinGuard's own spans (<see cref="FinGuardTelemetry.ActivitySource"/>),
/// incoming requests and outgoing HTTP calls; metrics of the <c>FinGuard</c> meter, ASP.NET Core and HttpClient.
/// The SDK is always on; what leaves the process depends on configuration:
/// <list type="bullet">
/// <item><c>Telemetry:Console=true</c>: spans and (every 60 s, or <c>OTEL_METRIC_EXPORT_INTERVAL</c> ms) metrics are
/// printed to the console — for local debugging; off by default so the <c>serve</c> console stays readable.</item>
/// <item><c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> (set by infra/main.bicep): traces, metrics and logs (with the
/// per-delivery log scope as attributes) go to Azure Monitor. With <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c>
/// <c>Authorization=AAD</c> (the Bicep sets it: the component disables local auth) the exporter signs in with the
/// managed identity (<c>ClientId=</c> in that string picks a user-assigned one).</item>
/// </list>
/// No exporter records request or response headers, so the webhook signature and GitHub tokens never leave;
/// query strings are redacted by the instrumentation.
/// </summary>
internal static class OpenTelemetrySetup
{
    public const string ConsoleKey = "Telemetry:Console";
    public const string ConnectionStringKey = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string AuthenticationStringKey = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
    public const string ServiceName = "finguard";

    public static IHostApplicationBuilder AddFinGuardOpenTelemetry(this IHostApplicationBuilder builder, FinGuardHostKind kind)
    {
        var console = builder.Configuration.GetValue<bool>(ConsoleKey);
        var connectionString = builder.Configuration[ConnectionStringKey];

        builder.Services.AddFinGuardTelemetry();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName, serviceVersion: FinGuardApp.Version))
            .WithTracing(tracing =>
            {
                tracing.AddSource(FinGuardTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                if (console)
                {
                    tracing.AddConsoleExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(FinGuardTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                if (console)
                {
                    metrics.AddConsoleExporter();
                }
            });

        if (kind == FinGuardHostKind.FunctionsWorker)
        {
            // The function invocation's span joins the Functions host's trace, and the resource names the function app.
            otel.UseFunctionsWorkerDefaults();
        }

        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            var authentication = builder.Configuration[AuthenticationStringKey];
            otel.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = connectionString;
                if (EntraCredential(authentication) is { } credential)
                {
                    options.Credential = credential;
                }
            });
            // The delivery scope (delivery id, event, installation, repository) becomes attributes of each log record.
            builder.Services.Configure<OpenTelemetryLoggerOptions>(options => options.IncludeScopes = true);
        }

        return builder;
    }

    /// <summary>
    /// The credential an <c>APPLICATIONINSIGHTS_AUTHENTICATION_STRING</c> asks for (the App Service/Functions format:
    /// <c>Authorization=AAD</c>, optionally <c>;ClientId=&lt;user-assigned identity&gt;</c>); null: the connection
    /// string's instrumentation key alone.
    /// </summary>
    internal static DefaultAzureCredential? EntraCredential(string? authenticationString)
    {
        if (string.IsNullOrWhiteSpace(authenticationString))
        {
            return null;
        }

        var parts = authenticationString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var authorization) || !string.Equals(authorization, "AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        return parts.TryGetValue("ClientId", out var clientId) && clientId.Length > 0
            ? new DefaultAzureCredential(new DefaultAzureCredentialOptions { ManagedIdentityClientId = clientId })
            : new DefaultAzureCredential();
    }
}
