using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace FinGuard.Webhooks;

/// <summary>The webhook ingress's limits (<c>Webhooks</c>).</summary>
public sealed class WebhookIngressOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>
    /// The most memory the ingress holds for bodies of requests still being read and stored, all requests together
    /// (default 256 MiB; a 25 MiB delivery, GitHub's maximum, takes about twice its size while it is read). A signed request that would go past it is answered
    /// <c>503</c> with <c>Retry-After</c>; GitHub records the failed attempt and the redelivery sweep asks for it again.
    /// A request alone is never refused by it, so the largest delivery always gets through.
    /// </summary>
    [Range(1024 * 1024, long.MaxValue)]
    public long MaxInFlightBodyBytes { get; set; } = 256L * 1024 * 1024;
}

/// <summary>
/// Bounds the bytes that webhook bodies in flight hold (<see cref="WebhookIngressOptions.MaxInFlightBodyBytes"/>).
/// Each request takes a <see cref="Lease"/> and grows it as bytes arrive, so a request that merely claims a large
/// Content-Length reserves nothing it has not received.
/// </summary>
public sealed class WebhookBodyBudget(IOptions<WebhookIngressOptions> options)
{
    private long inFlight;

    /// <summary>Body bytes held by requests in flight now.</summary>
    public long InFlightBytes => Interlocked.Read(ref inFlight);

    public long Limit => options.Value.MaxInFlightBodyBytes;

    /// <summary>A lease for one request; dispose it when the request is done with its body.</summary>
    public Lease Open() => new(this);

    private bool TryReserve(long bytes, long alreadyHeld)
    {
        while (true)
        {
            var current = Interlocked.Read(ref inFlight);
            // A request that holds everything in flight may always go on: otherwise a bound below GitHub's payload
            // limit would refuse the largest deliveries forever.
            if (current + bytes > Limit && current != alreadyHeld)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref inFlight, current + bytes, current) == current)
            {
                return true;
            }
        }
    }

    private void Release(long bytes) => Interlocked.Add(ref inFlight, -bytes);

    /// <summary>The bytes one request holds.</summary>
    public sealed class Lease(WebhookBodyBudget budget) : IDisposable
    {
        public long Held { get; private set; }

        /// <summary>Takes <paramref name="bytes"/> more; false (nothing taken) when the budget is spent.</summary>
        public bool TryGrow(long bytes)
        {
            if (!budget.TryReserve(bytes, Held))
            {
                return false;
            }

            Held += bytes;
            return true;
        }

        public void Dispose()
        {
            budget.Release(Held);
            Held = 0;
        }
    }
}

public static class WebhookServiceCollectionExtensions
{
    /// <summary>The ingress's options and its body budget.</summary>
    public static IServiceCollection AddFinGuardWebhooks(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<WebhookIngressOptions>()
            .Bind(configuration.GetSection(WebhookIngressOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<WebhookBodyBudget>();
        return services;
    }
}
