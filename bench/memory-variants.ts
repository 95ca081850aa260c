// What the memory sweep (bench/chromium-memory.ts) measures against the service's defaults: extra Chromium
// flags (appended through CHROME_ARGS), another browser binary (CHROME_PATH) and Node options (NODE_OPTIONS,
// which the forked worker inherits). What was kept is in worker/drivers/wwebjs/chromium.ts with its saving;
// the rest stays here, with what it measured and why it was left out, to re-measure on an upgrade.
// Measured on Chromium 156 / Node 20.20, one tenant alone, medians of 2-3 runs, in MiB: the Chromium tree's
// footprint (each page counted once, immune to other Chromiums on the host) and its anonymous PSS. Against
// the simulator the page's own heap is small (renderer ~16 MiB anon), so flags that act on a big page's V8
// heap or images measure nothing here; re-measure them against real WhatsApp Web before keeping any.

export interface Variant {
  name: string;
  chromeArgs: readonly string[];
  nodeOptions?: string;
  chromePath?: string;
}

const chromium = (name: string, ...chromeArgs: string[]): Variant => ({ name, chromeArgs });
const node = (name: string, nodeOptions: string): Variant => ({ name, chromeArgs: [], nodeOptions });

export const VARIANTS: readonly Variant[] = [
  chromium('defaults'),
  // 0 / 0 (the simulator's page has a small heap).
  chromium('js-semi-space-1', '--js-flags=--max-semi-space-size=1'),
  // 0 / 0; and it implies --jitless: no WebAssembly for WhatsApp Web, slower JS.
  chromium('js-lite-mode', '--js-flags=--lite-mode'),
  // 0 / 0.
  chromium('js-optimize-for-size', '--js-flags=--optimize-for-size'),
  // 0 / 0; a heap cap, not a saving: a big account's page would crash out of memory instead.
  chromium('js-old-space-256', '--js-flags=--max-old-space-size=256'),
  // 0 / 0.
  chromium('js-single-threaded-gc', '--js-flags=--single-threaded-gc'),
  // -1 / 0 (noise).
  chromium('features-background', '--disable-features=BackForwardCache,PaintHolding,HeavyAdIntervention,Prerender2,CalculateNativeWinOcclusion'),
  // 0 / +1: none of these background features holds measurable memory in a headless single-page browser.
  chromium(
    'features-bulk',
    '--disable-features=BackForwardCache,PaintHolding,HeavyAdIntervention,Prerender2,OptimizationGuideModelDownloading,OptimizationHintsFetching,OptimizationTargetPrediction,SegmentationPlatformFeature,PrivacySandboxSettings4,BrowsingTopics,Fledge,InterestGroupStorage,SharedStorageAPI,PrivateAggregationApi,FencedFrames,HistoryEmbeddings,Glic,LensOverlay,InterestFeedContentSuggestions,MediaEngagementBypassAutoplayPolicies,PreloadMediaEngagementData,CertificateTransparencyComponentUpdater,NavigationPredictor,FedCm,WebOTP,DigitalGoodsApi,GlobalMediaControls,HardwareMediaKeyHandling,DIPS,BtmTtl,NetworkTimeServiceQuerying,UseDnsHttpsSvcb,AsyncDns',
  ),
  // 0 / 0: a single page has one renderer already.
  chromium('renderer-limit-1', '--renderer-process-limit=1'),
  // -1 / 0 (noise).
  chromium('no-site-isolation-trials', '--disable-site-isolation-trials'),
  // 0 / 0.
  chromium('process-per-site', '--process-per-site'),
  // -3 / -2, one process fewer; rejected: a crash of the GPU process then takes the whole browser down.
  chromium('in-process-gpu', '--in-process-gpu'),
  // 0 / 0 (compositing is in software already).
  chromium('no-gpu-compositing', '--disable-gpu-compositing'),
  // -17 / -16; rejected: a network-service crash then takes the browser down (out of process, Chromium restarts it).
  chromium('network-in-process', '--enable-features=NetworkServiceInProcess2'),
  // -26 / -23; rejected: unsupported mode, any crash takes everything down.
  chromium('single-process', '--single-process'),
  // +12 / +13: worse, the helpers no longer share the zygote's relocated copy of the binary's data (12 MiB each).
  chromium('no-zygote', '--no-zygote'),
  // -1 / 0: one zygote fewer, but the GPU process then pays its own 12 MiB of relocations.
  chromium('no-unsandboxed-zygote', '--no-unsandboxed-zygote'),
  // 0 / 0.
  chromium('low-end-device', '--enable-low-end-device-mode'),
  // 0 / +1.
  chromium('raster-threads-1', '--num-raster-threads=1'),
  // -2 / 0 (noise); and it drops a use-after-free mitigation.
  chromium('no-backup-ref-ptr', '--disable-features=PartitionAllocBackupRefPtr'),
  // 0 / +1; and it defers housekeeping (database cleanup, flushes) until shutdown.
  chromium('no-best-effort-tasks', '--disable-best-effort-tasks'),
  // 0 / +1.
  chromium('disk-cache-1mb', '--disk-cache-size=1048576'),
  // 0 / 0.
  chromium('aggressive-cache-discard', '--aggressive-cache-discard'),
  // 0 / 0 (the simulator shows no images); it would also hide media the page may need.
  chromium('no-images', '--blink-settings=imagesEnabled=false'),
  // The full Debian chromium instead of the chromium-headless-shell the service prefers: +125 / +45 PSS and
  // one process more (storage out of the browser process). Kept to re-measure the choice on upgrades.
  { name: 'full-chromium', chromeArgs: [], chromePath: '/usr/bin/chromium' },
  // Node: worker -7..-9, supervisor -3..-4 PSS; tenant footprint -12..-14. Kept for the worker (supervisor/
  // fork.ts); the supervisor's own Node options are the operator's (npm start, PM2), see README.
  node('node-semi-space-1', '--max-semi-space-size=1'),
  // Node: worker -6..-10, supervisor -1..-2 PSS; tenant footprint -10..-13, with half the scavenges of 1.
  node('node-semi-space-2', '--max-semi-space-size=2'),
  // Node: 0: a cap, not a saving (the heaps are far below it); an out-of-memory crash risk instead.
  node('node-old-space-128', '--max-old-space-size=128'),
  // Node: the real-driver session failed (fetch failed); no WebAssembly (undici's fetch needs it), slow.
  node('node-jitless', '--jitless'),
  // Node: -2..-5 footprint (fewer V8 platform threads): within noise.
  node('node-v8-pool-1', '--v8-pool-size=1'),
];
