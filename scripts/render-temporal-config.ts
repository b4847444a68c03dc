// Writes ops/temporal/config.yaml and dynamicconfig.yaml, docker-compose.yml's Temporal server
// config, from the function the scale-out suite starts its server with (libs/local-stack/temporal-cluster.ts).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServerConfig, DYNAMIC_CONFIG } from '../libs/local-stack/temporal-cluster';

const dir = join(__dirname, '..', 'ops', 'temporal');
writeFileSync(join(dir, 'config.yaml'), composeServerConfig());
writeFileSync(join(dir, 'dynamicconfig.yaml'), DYNAMIC_CONFIG);
