using System.Net;
using System.Net.Sockets;

namespace FinGuard.Testing;

/// <summary>Ports for servers the tests and benchmarks start as separate processes on 127.0.0.1.</summary>
public static class LoopbackPorts
{
    /// <summary>A port nothing listens on at the moment of asking (the operating system's pick for port 0).</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
