using System.Net;
using System.Net.Sockets;

namespace FinGuard.Cli;

/// <summary>
/// Tells before Kestrel starts whether an address <c>finguard serve</c> would listen on is taken, so that the answer is
/// one line naming the port and how to pick another, not the host's failed-start log with its stack trace.
/// </summary>
internal static class ListenAddresses
{
    public static string? FirstInUse(IConfiguration configuration)
    {
        var urls = configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "";
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var normal = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
            if (!Uri.TryCreate(normal, UriKind.Absolute, out var uri) || uri.Port <= 0)
            {
                continue; // Kestrel reports what it cannot parse; port 0 is always free.
            }

            var address = uri.IsLoopback && !IPAddress.TryParse(uri.Host, out _)
                ? IPAddress.Loopback
                : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var parsed) ? parsed : IPAddress.Any;
            try
            {
                var listener = new TcpListener(address, uri.Port);
                listener.Start();
                listener.Stop();
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                return url;
            }
        }

        return null;
    }

    public static string InUseMessage(string what) =>
        $"finguard serve: cannot listen on {what}: the address is already in use (is another 'finguard serve' running?). "
        + "Stop the process that holds it, or pick another port, for example: finguard serve --urls http://127.0.0.1:5081";
}
