import { Module } from '@nestjs/common';
import { Client } from '@temporalio/client';
import type { Config } from '../../../../libs/config/config';
import { ConnectionsRepository } from '../../../../libs/vault/connections.repository';
import { CONFIG } from '../tokens';
import { ConnectionRevocation } from './connection-revocation';
import { ConnectionsController } from './connections.controller';

@Module({
  controllers: [ConnectionsController],
  providers: [
    {
      provide: ConnectionRevocation,
      inject: [ConnectionsRepository, Client, CONFIG],
      useFactory: (connections: ConnectionsRepository, temporal: Client, config: Config) =>
        new ConnectionRevocation(connections, temporal, config),
    },
  ],
  exports: [ConnectionRevocation],
})
export class ConnectionsModule {}
