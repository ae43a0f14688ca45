namespace Synthex.Dpdk.Apps;

/// <summary>
/// What an app is created with: the app-side part of the run's settings (bound and validated by
/// the runtime before anything starts, so parsing here cannot fail on a validated value).
/// </summary>
/// <param name="Mode">Mode of apps that have modes; null: the app's default.</param>
/// <param name="Topology">Port topology for <c>forward</c>.</param>
/// <param name="PortMap">Explicit map for <see cref="PortTopology.Map"/>: <c>"0:1,1:0"</c> (see <see cref="Apps.PortMap.Parse"/>).</param>
/// <param name="PeerMacs">l2fwd destination MACs by output port (see <see cref="MacTable.ParsePeers"/>).</param>
/// <param name="Address">The endpoint's own addresses, <c>ADDR/PREFIX[@PORT],...</c> (parsed by the endpoint); null: none.</param>
/// <param name="ServicePort">The service's UDP port (the port of <c>--listen</c>): what the endpoint hands to a datagram app.</param>
/// <param name="Mtu">Largest IP packet the endpoint receives or sends on DPDK ports.</param>
/// <param name="Matrix"><c>similarity</c>: the stored matrix (.npy or .fvecs).</param>
/// <param name="Metric"><c>similarity</c>: cosine or dot.</param>
/// <param name="KMax"><c>similarity</c>: the largest k a QUERY may ask for.</param>
/// <param name="Projection"><c>similarity</c>: the projection P (M × D .npy) PROJECT multiplies by; null: PROJECT is not served.</param>
/// <param name="CacheEntries"><c>similarity</c>: answers the result cache holds; 0: no cache.</param>
/// <param name="Watch"><c>similarity</c>: reload the matrix when its file changes.</param>
/// <param name="Keys">The key file of per-job MAC keys (<c>--keys</c>; docs/PROTOCOL.md); null: no job has a key.</param>
/// <param name="RequireAuth">Every job must have a key (<c>--require-auth</c>): a message of a job <see cref="Keys"/> does not list is dropped (<c>unknown_job</c>).</param>
/// <param name="Consensus">The consensus collector's bounds (<c>--max-jobs</c>, ...); null: the defaults.</param>
public sealed record AppOptions(string? Mode = null, PortTopology Topology = PortTopology.Auto, string? PortMap = null, string? PeerMacs = null,
                                string? Address = null, ushort ServicePort = 9000, int Mtu = 1500, Consensus.ConsensusLimits? Consensus = null,
                                string? Matrix = null, SimilarityMetric Metric = SimilarityMetric.Cosine, int KMax = 100, string? Projection = null,
                                int CacheEntries = 0, bool Watch = false, string? Keys = null, bool RequireAuth = false);
