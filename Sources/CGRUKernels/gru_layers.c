// Independent layer calls (a bidirectional layer's directions) run side by side: thread k of
// the team takes calls k, k + threads, ..., each on one thread. A layer's result does not depend
// on its thread count, so this gives the bits of separate calls.
#include "team_internal.h"

typedef struct layers_job {
    const gru_forward_call *forward;
    const gru_backward_call *backward;
    int count;
} layers_job;

static void layers_thread(void *raw, int thread, int threads) {
    const layers_job *J = raw;
    for (int k = thread; k < J->count; k += threads) {
        if (J->forward) {
            const gru_forward_call *c = J->forward + k;
            gru_layer_forward(c->layer, c->x, c->h0, c->y, c->h_n, c->trace, c->workspace, NULL);
        } else {
            const gru_backward_call *c = J->backward + k;
            gru_layer_backward(c->layer, c->x, c->trace, c->dy, c->dh_n, c->dx, c->dh0, c->dw_ih, c->dw_hh,
                               c->db_ih, c->db_hh, c->workspace, NULL);
        }
    }
}

void gru_layers_forward(const gru_forward_call *calls, int count, gru_team *team) {
    if (count >= 2 && gru_team_size(team) >= 2) {
        layers_job J = {.forward = calls, .count = count};
        gru_team_run(team, count < gru_team_size(team) ? count : gru_team_size(team), layers_thread, &J);
        return;
    }
    for (int k = 0; k < count; k++) {
        const gru_forward_call *c = calls + k;
        gru_layer_forward(c->layer, c->x, c->h0, c->y, c->h_n, c->trace, c->workspace, team);
    }
}

void gru_layers_backward(const gru_backward_call *calls, int count, gru_team *team) {
    if (count >= 2 && gru_team_size(team) >= 2) {
        layers_job J = {.backward = calls, .count = count};
        gru_team_run(team, count < gru_team_size(team) ? count : gru_team_size(team), layers_thread, &J);
        return;
    }
    for (int k = 0; k < count; k++) {
        const gru_backward_call *c = calls + k;
        gru_layer_backward(c->layer, c->x, c->trace, c->dy, c->dh_n, c->dx, c->dh0, c->dw_ih, c->dw_hh,
                           c->db_ih, c->db_hh, c->workspace, team);
    }
}
