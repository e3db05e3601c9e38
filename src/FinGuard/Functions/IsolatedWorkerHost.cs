using System.Globalization;
using FinGuard.Hosting;
using Microsoft.Azure.Functions.Worker.Builder;

namespace FinGuard.Functions;

/// <summary>
/// The Azure Functions isolated worker: what <c>finguard</c> runs when the Functions host starts it. The functions in
/// <see cref="FinGuardFunctions"/> are thin adapters over the handlers <c>finguard serve</c> uses; the services are the
/// same (<see cref="FinGuardApp.AddFinGuardServices"/>), the HTTP functions run the app's own endpoints
/// (<see cref="FunctionHttpEndpoints"/>), and the Functions host, not <see cref="LocalTimerScheduler"/>, fires the timers.
/// </summary>
public static class IsolatedWorkerHost
{
    /// <summary>
    /// True when the Functions host started this process as its language worker. The host passes the gRPC endpoint as
    /// <c>--functions-uri</c> (with <c>--functions-worker-id</c>, <c>--functions-request-id</c>,
    /// <c>--functions-grpc-max-message-length</c>) and, for older workers, <c>--host</c>/<c>--port</c>/<c>--workerId</c>/
    /// <c>--requestId</c>/<c>--grpcMaxMessageLength</c>. No <c>finguard</c> command starts with <c>--</c>, so either set
    /// cannot be mistaken for a command line of <c>serve</c> or the CLI.
    /// </summary>
    public static bool IsStartedByFunctionsHost(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return Has(args, "--functions-uri") || (Has(args, "--host") && Has(args, "--port") && Has(args, "--workerId"));
    }

    /// <summary>Builds the worker host; <paramref name="configure"/> lets tests replace services.</summary>
    public static IHost Build(string[] args, Action<FunctionsApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var builder = FunctionsApplication.CreateBuilder(args);

        // The worker reads its startup options from the process's own command line; stated here from the arguments this
        // host is built with, so a host that passed only --host and --port (and a test) gets the same.
        builder.Configuration.AddInMemoryCollection(WorkerStartupSettings(args));
        builder.AddFinGuardServices(FinGuardHostKind.FunctionsWorker);
        builder.ConfigureFunctionsWebApplication();

        // Hosted services start in registration order, and the builder registers the worker's connection to the host
        // first. Moved behind FinGuard's, so the FinGuard:Mode evidence check fails the start before the worker takes
        // an invocation (WorkerFunctionTests checks the order).
        if (builder.Services.LastOrDefault(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "WorkerHostedService") is { } connection)
        {
            builder.Services.Remove(connection);
            builder.Services.Add(connection);
        }
        builder.Services.AddSingleton<FunctionHttpEndpoints>();
        configure?.Invoke(builder);
        return builder.Build();
    }

    public static async Task<int> RunAsync(string[] args)
    {
        using var host = Build(args);
        await host.RunAsync();
        return 0;
    }

    private static Dictionary<string, string?> WorkerStartupSettings(string[] args)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        void Set(string key, string? value)
        {
            if (!string.IsNullOrEmpty(value))
            {
                settings[key] = value;
            }
        }

        var endpoint = Value(args, "--functions-uri");
        if (endpoint is null && Value(args, "--host") is { } host && int.TryParse(Value(args, "--port"), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            endpoint = new UriBuilder(Uri.UriSchemeHttp, host, port).Uri.AbsoluteUri;
        }

        Set("Functions:Worker:HostEndpoint", endpoint);
        Set("Functions:Worker:WorkerId", Value(args, "--functions-worker-id") ?? Value(args, "--workerId"));
        Set("Functions:Worker:RequestId", Value(args, "--functions-request-id") ?? Value(args, "--requestId"));
        Set("Functions:Worker:GrpcMaxMessageLength", Value(args, "--functions-grpc-max-message-length") ?? Value(args, "--grpcMaxMessageLength"));
        return settings;
    }

    private static bool Has(string[] args, string name) =>
        args.Any(a => string.Equals(a, name, StringComparison.Ordinal) || a.StartsWith(name + "=", StringComparison.Ordinal));

    private static string? Value(string[] args, string name)
    {
        for (var i = 0; i < args.Length; i++)
        {
            if (string.Equals(args[i], name, StringComparison.Ordinal))
            {
                return i + 1 < args.Length ? args[i + 1] : null;
            }

            if (args[i].StartsWith(name + "=", StringComparison.Ordinal))
            {
                return args[i][(name.Length + 1)..];
            }
        }

        return null;
    }
}
