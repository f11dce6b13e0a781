/** GatewayClass acceptance: only classes naming lastmile's controller are ours. */
import type { GatewayClass } from '../../api/gateway-api.ts';
import { ConditionType, GatewayClassReason } from '../../status/conditions.ts';
import type { TranslateContext } from '../context.ts';
import { SUPPORTED_FEATURES } from '../features.ts';
import { CONTROLLER_NAME } from '../types.ts';

/** Accepts lastmile's GatewayClasses and returns their names; other classes get no status. */
export function processGatewayClasses(ctx: TranslateContext): Set<string> {
  const ours = new Set<string>();
  for (const { object: gc } of ctx.snapshot.list<GatewayClass>('GatewayClass')) {
    if (gc.spec?.controllerName !== CONTROLLER_NAME) continue;
    ours.add(gc.metadata.name ?? '');
    const st = ctx.statuses.gatewayClass(gc);
    st.set(ConditionType.accepted, 'True', GatewayClassReason.accepted, `Handled by ${CONTROLLER_NAME}`);
    st.supportedFeatures = SUPPORTED_FEATURES;
  }
  return ours;
}
