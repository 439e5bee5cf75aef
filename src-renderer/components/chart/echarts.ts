/**
 * The ECharts modules the workbench uses, registered once (tree-shaken: no full bundle,
 * no eval, nothing fetched). Add a module here when a chart needs a new series type or
 * component.
 */
import { use } from 'echarts/core';
import { BarChart, LineChart, ParallelChart, ScatterChart } from 'echarts/charts';
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  ParallelComponent,
  TitleComponent,
  TooltipComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

let registered = false;

export function registerCharts(): void {
  if (registered) return;
  registered = true;
  use([
    CanvasRenderer,
    LineChart,
    ScatterChart,
    BarChart,
    ParallelChart,
    GridComponent,
    TooltipComponent,
    LegendComponent,
    DataZoomComponent,
    MarkLineComponent,
    ParallelComponent,
    TitleComponent,
  ]);
}
